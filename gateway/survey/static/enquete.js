/* Garde-fou questionnaire: draws the closed questions, sends the ticked options with the
   worker's key (kept in this tab only). No cookie, nothing fetched from elsewhere. */
"use strict";

function el(tag, attrs = {}, parent = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  if (parent) parent.appendChild(node);
  return node;
}
const etat = (t) => { document.getElementById("etat").textContent = t; };

function cle() {
  const m = location.hash.match(/cle=([^&]+)/);
  if (m) {
    sessionStorage.setItem("gardefou-cle", decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem("gardefou-cle");
}

async function questions() {
  const r = await fetch("/enquete/api/questions.json");
  const data = await r.json();
  const zone = document.getElementById("questions");
  for (const q of data.questions) {
    const fs = el("fieldset", { "data-question": q.id }, zone);
    el("legend", { text: q.texte }, fs);
    for (const o of q.options) {
      const label = el("label", {}, fs);
      el("input", { type: q.choix_multiple ? "checkbox" : "radio", name: q.id, value: o.id },
         label);
      label.appendChild(document.createTextNode(" " + o.libelle));
    }
  }
}

async function envoyer(ev) {
  ev.preventDefault();
  const reponse = {};
  for (const fs of document.querySelectorAll("fieldset[data-question]")) {
    const choix = [...fs.querySelectorAll("input:checked")].map((i) => i.value);
    if (choix.length) reponse[fs.dataset.question] = choix;
  }
  const r = await fetch("/enquete/api/reponse", {
    method: "POST", body: JSON.stringify(reponse),
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + cle() },
  });
  const data = await r.json();
  if (r.status === 401) {
    sessionStorage.removeItem("gardefou-cle");
    document.getElementById("cle-form").hidden = false;
    etat("Clé refusée.");
    return;
  }
  etat(r.ok ? data.message : (data.error && data.error.message) || "Erreur.");
  if (r.ok || r.status === 409) document.getElementById("enquete").hidden = true;
  document.body.dataset.state = r.ok ? "sent" : "refused";
}

async function demarrer() {
  await questions();
  document.getElementById("enquete").addEventListener("submit", (e) => envoyer(e).catch(
    (err) => etat("Erreur : " + err.message)));
  document.getElementById("cle-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem("gardefou-cle", document.getElementById("cle").value);
    document.getElementById("cle-form").hidden = true;
    document.getElementById("enquete").hidden = false;
  });
  if (cle()) document.getElementById("enquete").hidden = false;
  else document.getElementById("cle-form").hidden = false;
  etat("");
  document.body.dataset.state = "ready";
}
document.addEventListener("DOMContentLoaded", () => demarrer().catch(
  (e) => etat("Erreur : " + e.message)));
