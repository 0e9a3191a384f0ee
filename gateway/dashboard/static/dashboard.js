/* Garde-fou dashboard: fetches the k-anonymised JSON and draws inline SVG charts.
   No external library, no CDN; works offline. The manager key stays in this tab's
   sessionStorage (or arrives once in the URL fragment, which is never sent to the server). */
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const LIBELLES = {
  self_hosted: "Auto-hébergé", eu: "Fournisseur UE", non_eu: "Fournisseur hors UE",
  aucun: "Aucun (bloqué)", non_classe: "Non classé", autre_regle: "Autre règle",
  "(autres équipes)": "Autres équipes (regroupées)", "(ensemble)": "Ensemble",
};
// Labels of the organisation's policy (uses, forbidden decisions) and of the closed sets,
// sent with the data: a manager reads « Traduction », not « traduction ».
let libellesServeur = {};
// Month names written out here rather than by the browser's locale (an English browser
// would otherwise show « March 2025 » in a French page).
const MOIS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
  "septembre", "octobre", "novembre", "décembre"];
const MOIS_COURTS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
  "oct.", "nov.", "déc."];
const nombre = (v, d = 0) => (Number.isFinite(Number(v))
  ? Number(v).toLocaleString("fr-FR", { maximumFractionDigits: d }) : "—");
const libelle = (cle) => libellesServeur[cle] || LIBELLES[cle] || cle;
const moisFr = (m) => (/^\d{4}-\d{2}$/.test(m || "") ? `${MOIS[Number(m.slice(5, 7)) - 1]} ${m.slice(0, 4)}` : "—");
const moisCourt = (m) => (/^\d{4}-\d{2}$/.test(m || "") ? `${MOIS_COURTS[Number(m.slice(5, 7)) - 1]} ${m.slice(2, 4)}` : "—");
const dateFr = (d) => (/^\d{4}-\d{2}-\d{2}$/.test(d || "")
  ? `${Number(d.slice(8, 10))} ${MOIS[Number(d.slice(5, 7)) - 1]} ${d.slice(0, 4)}` : "—");
const semaineFr = (d) => `${Number(d.slice(8, 10))} ${MOIS_COURTS[Number(d.slice(5, 7)) - 1]}`;

/* The month pickers: the last 36 months, in French, newest first. */
function remplirMois() {
  const maintenant = new Date();
  let y = maintenant.getFullYear(), m = maintenant.getMonth() + 1;
  for (const id of ["debut", "fin"]) document.getElementById(id).replaceChildren(el("option", { value: "", text: "—" }));
  for (let i = 0; i < 36; i++) {
    const v = `${y}-${String(m).padStart(2, "0")}`;
    for (const id of ["debut", "fin"]) el("option", { value: v, text: moisFr(v) }, document.getElementById(id));
    m -= 1; if (m === 0) { y -= 1; m = 12; }
  }
}

function choisirMois(id, valeur) {
  const choix = document.getElementById(id);
  if (valeur && ![...choix.options].some((o) => o.value === valeur)) {
    el("option", { value: valeur, text: moisFr(valeur) }, choix);
  }
  choix.value = valeur || "";
}

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

function cle() {
  const m = location.hash.match(/cle=([^&]+)/);
  if (m) {
    sessionStorage.setItem("gardefou-cle", decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem("gardefou-cle");
}

function el(tag, attrs = {}, parent = null, ns = null) {
  const node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  if (parent) parent.appendChild(node);
  return node;
}
const s = (tag, attrs, parent) => el(tag, attrs, parent, SVG);

function parametres() {
  const p = new URLSearchParams();
  for (const [id, nom] of [["debut", "from"], ["fin", "to"], ["equipe", "team"]]) {
    const v = document.getElementById(id).value;
    if (v) p.set(nom, v);
  }
  return p;
}

async function api(chemin) {
  // A pasted key, else the sign-in session's cookie (sent by the browser on its own).
  const k = cle();
  const r = await fetch(chemin, { headers: k ? { Authorization: "Bearer " + k } : {},
                                  credentials: "same-origin" });
  if (r.status === 401 || r.status === 403) {
    sessionStorage.removeItem("gardefou-cle");
    document.getElementById("cle-form").hidden = false;
    throw new Error(k ? "clé refusée (rôle « manager » requis)"
                      : "connectez-vous (rôle « manager » requis)");
  }
  const corps = await r.json();
  if (!r.ok) throw new Error((corps.error && corps.error.message) || r.statusText);
  return corps;
}

/* Horizontal bars: [{cle, valeur}] */
function barres(cible, valeurs) {
  if (!valeurs.length) return el("p", { class: "vide", text: "Aucune valeur publiable." }, cible);
  // Room for the French labels (longer than identifiers); a longer one is cut, whole in its tooltip.
  const ligne = 22, marge = 300, largeur = 620, h = valeurs.length * ligne + 8;
  const max = Math.max(...valeurs.map((v) => v.valeur), 1);
  const svg = s("svg", { viewBox: `0 0 ${largeur + 60} ${h}`, role: "img", width: "100%" }, cible);
  valeurs.forEach((v, i) => {
    const y = 4 + i * ligne, w = Math.max(1, (v.valeur / max) * (largeur - marge));
    const texte = libelle(v.cle), court = texte.length > 46 ? texte.slice(0, 45) + "…" : texte;
    const etiquette = s("text", { x: marge - 6, y: y + 14, "text-anchor": "end" }, svg);
    etiquette.textContent = court;
    if (court !== texte) s("title", {}, etiquette).textContent = texte;
    s("rect", { class: "barre", x: marge, y: y + 3, width: w, height: ligne - 7 }, svg);
    s("text", { x: marge + w + 4, y: y + 14 }, svg).textContent = nombre(v.valeur);
  });
  return svg;
}

/* Vertical grouped bars over time: points [{etiquette, a, b}] with two series. */
function colonnes(cible, points, series) {
  if (!points.length) return el("p", { class: "vide", text: "Aucune valeur publiable." }, cible);
  const h = 200, bas = 170, gauche = 50, largeur = 520;
  const pas = (largeur - gauche) / points.length;
  const max = series.map((se) => Math.max(...points.map((p) => p[se.cle] || 0), 1));
  const svg = s("svg", { viewBox: `0 0 ${largeur + 10} ${h}`, role: "img", width: "100%" }, cible);
  s("line", { class: "axe", x1: gauche, y1: bas, x2: largeur, y2: bas }, svg);
  points.forEach((p, i) => {
    const x0 = gauche + i * pas + pas * 0.1, lb = (pas * 0.8) / series.length;
    series.forEach((se, j) => {
      if (p.masque) return;
      const v = p[se.cle] || 0, hh = (v / max[j]) * (bas - 20);
      s("rect", { class: j ? "barre2" : "barre", x: x0 + j * lb, y: bas - hh,
                  width: Math.max(lb - 2, 1), height: Math.max(hh, 0.5) }, svg);
      s("text", { x: x0 + j * lb + lb / 2, y: bas - hh - 3, "text-anchor": "middle" }, svg)
        .textContent = nombre(v, se.decimales || 0);
    });
    s("text", { x: x0 + pas * 0.4, y: bas + 15, "text-anchor": "middle" }, svg).textContent =
      p.masque ? p.etiquette + " (masqué)" : p.etiquette;
  });
  const legende = el("div", { class: "legende" }, cible);
  series.forEach((se, j) => el("span", { class: j ? "l2" : "", text: se.libelle }, legende));
  return svg;
}

/* Min–max ranges per month: bar to the minimum, lighter band up to the maximum. */
function fourchettes(cible, points, champMin, champMax, unite, facteur) {
  // Months without data carry no energy fields: they are shown empty, never as NaN.
  const chiffre = (p) => !p.masque && Number.isFinite(p[champMin]) && Number.isFinite(p[champMax]);
  const visibles = points.filter(chiffre);
  if (!visibles.length) return el("p", { class: "vide", text: "Aucune valeur publiable." }, cible);
  const h = 170, bas = 140, gauche = 50, largeur = 520, pas = (largeur - gauche) / points.length;
  const max = Math.max(...visibles.map((p) => p[champMax] * facteur), 1e-9);
  const svg = s("svg", { viewBox: `0 0 ${largeur + 10} ${h}`, role: "img", width: "100%" }, cible);
  s("line", { class: "axe", x1: gauche, y1: bas, x2: largeur, y2: bas }, svg);
  points.forEach((p, i) => {
    const x = gauche + i * pas + pas * 0.25, w = pas * 0.5;
    if (chiffre(p)) {
      const lo = p[champMin] * facteur, hi = p[champMax] * facteur;
      const yLo = bas - (lo / max) * (bas - 25), yHi = bas - (hi / max) * (bas - 25);
      s("rect", { class: "barre", x, y: yLo, width: w, height: Math.max(bas - yLo, 0.5) }, svg);
      s("rect", { class: "fourchette", x, y: yHi, width: w, height: Math.max(yLo - yHi, 0.5) }, svg);
      s("text", { x: x + w / 2, y: yHi - 4, "text-anchor": "middle" }, svg).textContent =
        `${nombre(lo, 2)}–${nombre(hi, 2)} ${unite}`;
    }
    s("text", { x: x + w / 2, y: bas + 15, "text-anchor": "middle" }, svg).textContent =
      chiffre(p) ? moisCourt(p.mois) : `${moisCourt(p.mois)} (aucune)`;
  });
  return svg;
}

function dessiner(nom, g, cible) {
  if (nom === "adoption") {
    return colonnes(cible, g.points.map((p) => ({ ...p, etiquette: moisCourt(p.mois) })), [
      { cle: "utilisateurs", libelle: "Personnes distinctes" }, { cle: "requetes", libelle: "Requêtes" }]);
  }
  if (nom === "activite_hebdo") {
    el("p", { class: "sous-titre", text: "Semaines du lundi indiqué (ou du 1er du mois)" }, cible);
    return colonnes(cible, g.points.map((p) => ({ ...p, etiquette: semaineFr(p.semaine) })), [
      { cle: "utilisateurs", libelle: "Personnes (somme des unités)" }, { cle: "requetes", libelle: "Requêtes" }]);
  }
  if (nom === "jetons") {
    return colonnes(cible, g.points.map((p) => ({ ...p, etiquette: moisCourt(p.mois) })), [
      { cle: "jetons_entree", libelle: "Entrée" }, { cle: "jetons_sortie", libelle: "Sortie" }]);
  }
  if (nom === "impact") {
    el("p", { class: "sous-titre", text: "Énergie (Wh), min–max" }, cible);
    fourchettes(cible, g.points, "energie_kwh_min", "energie_kwh_max", "Wh", 1000);
    el("p", { class: "sous-titre", text: "Émissions (gCO2e), min–max" }, cible);
    const svg = fourchettes(cible, g.points, "ges_kgco2eq_min", "ges_kgco2eq_max", "g", 1000);
    const m = g.methode || {};
    if (m.methode) {
      el("p", { class: "methode", text: `Méthode : ${m.methode}. Périmètre : ${m.perimetre}. ` +
        `Exclus : ${m.exclusions}. ${m.incertitude}.` }, cible);
    }
    return svg;
  }
  return barres(cible, g.valeurs || []);
}

/* What a manager of a fresh install needs: when the first figures come, and why not now. */
function expliquerPublication(donnees) {
  const pub = donnees.publication || {};
  const aucune = (donnees.graphiques.adoption.points || []).every((p) => !p.masque && !p.requetes);
  const cadre = document.getElementById("publication");
  cadre.hidden = !aucune || donnees.simulation;
  if (cadre.hidden) return;
  document.getElementById("publication-quand").textContent =
    `Aucun chiffre publié pour l'instant sur cette période. Prochaine publication : le mois de ` +
    `${moisFr(pub.prochain_mois)}, le ${dateFr(pub.publie_le)}.`;
  document.getElementById("publication-pourquoi").textContent = pub.explication || "";
}

function rendre(donnees) {
  libellesServeur = donnees.libelles || {};
  document.getElementById("org").textContent = donnees.organisation;
  document.getElementById("k").textContent = donnees.k;
  document.getElementById("simulation").hidden = !donnees.simulation;
  document.body.classList.toggle("simule", Boolean(donnees.simulation));
  const choix = document.getElementById("equipe"), courant = donnees.equipe || "";
  choix.replaceChildren(el("option", { value: "", text: "Toute l'organisation" }));
  for (const e of donnees.equipes) el("option", { value: e, text: libelle(e) }, choix);
  choix.value = courant;
  choisirMois("debut", donnees.periode.debut);
  choisirMois("fin", donnees.periode.fin);
  if (donnees.note) {
    document.getElementById("note-cloture").textContent =
      `${donnees.note} Dernier mois publié : ${moisFr(donnees.publie_jusqu_a)}.`;
  }
  expliquerPublication(donnees);
  for (const carte of document.querySelectorAll(".carte")) {
    const nom = carte.dataset.chart, g = donnees.graphiques[nom];
    const cible = carte.querySelector(".chart");
    cible.replaceChildren();
    if (!g) continue;
    el("p", { class: "sous-titre", text: donnees.simulation ? `${g.titre} — exemple simulé` : g.titre }, cible);
    dessiner(nom, g, cible);
    if (g.masques || (g.points || []).some((p) => p.masque)) {
      el("p", { class: "masque", text: `Certaines valeurs sont masquées (moins de ${donnees.k} personnes).` }, cible);
    }
    const jumeau = `/dashboard/api/charts/${nom}.json?${parametres()}`;
    const details = el("details", {}, cible);
    el("summary", { text: "Données JSON" }, details);
    el("code", { text: jumeau }, details);
    const pre = el("pre", {}, details);
    details.addEventListener("toggle", async () => {
      if (details.open && !pre.textContent) pre.textContent = JSON.stringify(await api(jumeau), null, 1);
    });
  }
}

async function charger() {
  const etat = document.getElementById("etat");
  if (!cle() && !(await (await fetch("/auth/session", { credentials: "same-origin" })).json()).connecte) {
    document.getElementById("cle-form").hidden = false;
    etat.textContent = "Saisissez votre clé d'accès ou connectez-vous.";
    return;
  }
  etat.textContent = "Chargement…";
  document.body.dataset.state = "loading";
  try {
    rendre(await api(`/dashboard/api/data.json?${parametres()}`));
    etat.textContent = "";
    document.body.dataset.state = "ready";
  } catch (e) {
    etat.textContent = "Impossible d'afficher le tableau de bord : " + e.message;
    document.body.dataset.state = "error";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const params = new URLSearchParams(location.search);
  remplirMois();
  for (const [id, nom] of [["debut", "from"], ["fin", "to"]]) {
    if (/^\d{4}-\d{2}$/.test(params.get(nom) || "")) choisirMois(id, params.get(nom));
  }
  if (params.get("team")) {
    el("option", { value: params.get("team"), text: params.get("team") }, document.getElementById("equipe"));
    document.getElementById("equipe").value = params.get("team");
  }
  // Sign-in brings the browser back to this very view (period and team included).
  document.getElementById("sso").href =
    "/auth/login?next=" + encodeURIComponent(location.pathname + location.search);
  document.getElementById("filtres").addEventListener("submit", (e) => { e.preventDefault(); charger(); });
  document.getElementById("cle-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem("gardefou-cle", document.getElementById("cle").value);
    document.getElementById("cle-form").hidden = true;
    charger();
  });
  charger();
});
