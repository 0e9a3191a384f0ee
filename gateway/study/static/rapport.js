/* Garde-fou study report: reads the published JSON (or the copy embedded in a self-contained
   file) and draws inline SVG charts. No library, no CDN, nothing fetched from elsewhere. */
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const COULEURS = ["#000091", "#e1000f", "#18753c", "#b34000", "#6a6af4", "#a558a0",
                  "#009099", "#c3992a", "#716043", "#3a3a3a"];
let LIBELLES = {};
const libelle = (c) => LIBELLES[c] || c.replace(/_/g, " ");
const nombre = (v, d = 0) => Number(v).toLocaleString("fr-FR", { maximumFractionDigits: d });
const fini = (v) => typeof v === "number" && Number.isFinite(v);

function signalerErreur(message) {
  const liste = document.getElementById("erreurs");
  const item = document.createElement("li");
  item.textContent = message;
  liste.appendChild(item);
  liste.hidden = false;
  document.body.dataset.state = "error";
}
window.addEventListener("error", (e) => signalerErreur("Erreur : " + e.message));
window.addEventListener("unhandledrejection", (e) => signalerErreur("Erreur : " + e.reason));

function el(tag, attrs = {}, parent = null, ns = null) {
  const node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  if (parent) parent.appendChild(node);
  return node;
}
const s = (tag, attrs, parent) => el(tag, attrs, parent, SVG);

function legende(parent, noms) {
  const div = el("div", { class: "legende" }, parent);
  noms.forEach((n, i) => {
    const span = el("span", {}, div);
    // CSSOM, not a style attribute: the page's CSP forbids inline style attributes.
    el("i", {}, span).style.background = COULEURS[i % COULEURS.length];
    span.appendChild(document.createTextNode(libelle(n)));
  });
}

function masques(parent, g) {
  let n = 0;
  for (const serie of g.series) for (const v of serie.valeurs) if (v === null) n += 1;
  if (n) el("p", { class: "masque", text: n + " valeur(s) masquée(s) (moins de seuil, ou " +
    "permettraient d'en retrouver une par soustraction)." }, parent);
}

// Horizontal bars: one row per category, stacked (empile) or one bar per series (groupe).
function barres(parent, g, empile) {
  const cats = g.categories, series = g.series;
  const parLigne = empile ? 1 : Math.max(series.length, 1);
  // Wide cards (stacked by sector and month) get a wide drawing; others stay legible at
  // half the page width.
  const large = empile && cats.length > 8;
  const h = empile ? 18 : 12, pas = h * parLigne + 8, gauche = large ? 230 : 170;
  const largeur = large ? 760 : 560;
  let max = 0;
  cats.forEach((_, i) => {
    if (empile) {
      let t = 0;
      for (const se of series) if (fini(se.valeurs[i])) t += se.valeurs[i];
      max = Math.max(max, t);
    } else for (const se of series) if (fini(se.valeurs[i])) max = Math.max(max, se.valeurs[i]);
  });
  const echelle = max > 0 ? (largeur - gauche - 70) / max : 0;
  const svg = s("svg", { viewBox: `0 0 ${largeur} ${cats.length * pas + 10}`,
                         width: "100%", role: "img", "aria-label": g.titre }, parent);
  cats.forEach((c, i) => {
    const y = 5 + i * pas;
    s("text", { x: gauche - 6, y: y + (pas - 8) / 2 + 4, "text-anchor": "end",
                text: libelle(c).slice(0, large ? 38 : 28) }, svg);
    let x = gauche, tous = true, total = 0;
    series.forEach((se, j) => {
      const v = se.valeurs[i];
      if (!fini(v)) { tous = false; return; }
      const w = Math.max(v * echelle, 0.5), col = COULEURS[j % COULEURS.length];
      if (empile) {
        s("rect", { x, y, width: w, height: h, fill: col }, svg);
        x += w; total += v;
      } else {
        const yy = y + j * h;
        s("rect", { x: gauche, y: yy, width: w, height: h - 1, fill: col }, svg);
        s("text", { x: gauche + w + 4, y: yy + h - 1, text: nombre(v) }, svg);
      }
    });
    if (empile) s("text", { x: x + 4, y: y + 13, text: tous ? nombre(total)
                            : (total ? nombre(total) + " + masqué" : "masqué") }, svg);
  });
  s("line", { x1: gauche, x2: gauche, y1: 0, y2: cats.length * pas + 5, class: "axe" }, svg);
}

function fourchettes(parent, g) {
  const pts = g.series[0].valeurs, gauche = 70, largeur = 560, pas = 28;
  let max = 0;
  for (const p of pts) if (p && fini(p[1])) max = Math.max(max, p[1]);
  const echelle = max > 0 ? (largeur - gauche - 170) / max : 0;
  const svg = s("svg", { viewBox: `0 0 ${largeur} ${pts.length * pas + 10}`, width: "100%",
                         role: "img", "aria-label": g.titre }, parent);
  g.categories.forEach((c, i) => {
    const y = 6 + i * pas, p = pts[i];
    s("text", { x: gauche - 6, y: y + 13, "text-anchor": "end", text: c }, svg);
    if (!p || !fini(p[0]) || !fini(p[1])) {
      s("text", { x: gauche + 4, y: y + 13, text: "masqué" }, svg);
      return;
    }
    const x0 = gauche + p[0] * echelle, x1 = gauche + p[1] * echelle;
    s("rect", { x: x0, y, width: Math.max(x1 - x0, 2), height: 18, fill: "#6a6af4",
                opacity: "0.55" }, svg);
    s("text", { x: x1 + 6, y: y + 13, text: `${nombre(p[0], 3)} – ${nombre(p[1], 3)} ${g.unite}` },
      svg);
  });
}

function carte(main, g) {
  const sec = el("section", { class: "carte" + (g.type === "empile" && g.categories.length > 8
                                                 ? " large" : ""), "data-chart": g.id }, main);
  el("h2", { text: g.titre }, sec);
  el("p", { class: "sous-titre", text: "Unité : " + g.unite }, sec);
  if (!g.categories.length || !g.series.length) {
    el("p", { class: "vide", text: "Pas encore de chiffre publiable." }, sec);
  } else {
    if (g.type !== "fourchette") legende(sec, g.series.map((x) => x.nom));
    const zone = el("div", { class: "chart" }, sec);
    if (g.type === "fourchette") fourchettes(zone, g);
    else barres(zone, g, g.type === "empile");
    masques(sec, g);
  }
  el("a", { href: "/rapport/api/graphiques/" + g.id + ".json", text: "Données JSON" }, sec);
}

function afficher(d) {
  LIBELLES = d.libelles || {};
  const mois = d.mois_publies;
  document.getElementById("nb-mois").textContent = mois.length;
  document.getElementById("nb-orgs").textContent = mois.length
    ? nombre(Math.max(...Object.values(d.organisations))) : "0";
  document.getElementById("periode").textContent = mois.length
    ? mois[0] + " → " + mois[mois.length - 1] : "aucun mois publié";
  document.getElementById("regle").textContent = d.note;
  const main = document.getElementById("graphiques");
  main.replaceChildren();
  for (const g of d.graphiques) carte(main, g);
  document.getElementById("etat").textContent = mois.length
    ? "" : "Aucun mois n'est encore publié.";
  document.body.dataset.state = "ready";
}

async function demarrer() {
  const embarque = document.getElementById("donnees");
  if (embarque) return afficher(JSON.parse(embarque.textContent));
  const r = await fetch("/rapport/api/rapport.json");
  if (!r.ok) throw new Error("données indisponibles (" + r.status + ")");
  afficher(await r.json());
}
document.addEventListener("DOMContentLoaded", () => demarrer().catch(
  (e) => signalerErreur("Erreur : " + e.message)));
