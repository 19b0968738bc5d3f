// corridor web page: the network map, the corridor comparison, the transit-time
// distribution chart and the scenario runner. Plain DOM + Leaflet + Chart.js;
// bundled by build.mjs into src/corridor/web/static/app.js (one IIFE, offline).

import * as L from "leaflet";
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { feature } from "topojson-client";
import countriesTopo from "world-atlas/countries-50m.json";

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip, Filler, BarController, BarElement, CategoryScale);

// ---------------------------------------------------------------- constants

const PALETTE = {
  middle: "#e8590c",
  northern: "#1c64d4",
  "maritime-suez": "#0c9488",
  "maritime-cape": "#5f3dc4",
  "southern-iran": "#2b9a3e",
  other: "#7b8794",
};
const FALLBACK_COLORS = ["#c2255c", "#8d6e63", "#b08900", "#495057", "#0b7285", "#862e9c"];
const SHARED_COLOR = "#7b8794"; // links of all corridors ("*") or of none
const WATER_MODES = new Set(["sea", "ferry", "feeder", "barge"]);
const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);
const KEY_STORE = "corridor.apiKey";
const POLL_MS = 500;
const SIMULATE_SAMPLES = 4000;
const POWER_COLOR = "#9c36b5";
const SUGGEST_MS = 250; // wait this long after a keystroke before asking for world cities

// ---------------------------------------------------------------- state

const state = {
  map: null,
  countries: null,
  tiles: null,
  networkLayer: null,
  routesLayer: null,
  flowsLayer: null,
  corridorNames: {}, // id -> name, from /v1/network
  corridorOrder: [], // ids in the order /v1/network lists them
  links: new Map(), // link id -> GeoJSON feature
  capacities: new Map(), // capacity id -> GeoJSON feature
  routes: new Map(), // corridor id -> L.Polyline
  hoverId: null,
  selectedId: null,
  compareToken: 0,
  chart: null,
  job: null, // { id, key }: the scenario's job (its base's, when compared, runs beside it)
  jobs: [], // every job of the current run: [{ id, key }]
  pollTimer: null,
  lastCompare: null, // the last comparison as the API answered it (for the CSV)
  lastScenario: null, // { result, base }: the last scenario run and its base's (for the CSV)
  placeLabels: null, // L.layerGroup of the labels of main places
  places: [], // place features of the network, with their number of links
  flowScale: (mt) => Math.min(14, 1 + 2 * Math.sqrt(mt)), // px of a flow of mt Mt/yr
  powerLayer: null, // the power layer: grids, markets and interconnectors with a year's flows
  powerYear: null, // the year drawn in powerLayer
  powerToken: 0,
  powerScale: (twh) => Math.min(12, 1.5 + 2.5 * Math.sqrt(twh)), // px of a net flow of twh TWh/yr
  suggestTimer: null,
  suggestToken: 0,
  worldOptions: [], // datalist options of world cities, after the network's places
  appraisal: null, // { id, key, last }: the appraisal job
  appraisalTimer: null,
  tornado: null, // Chart of the last appraisal's tornado
  projects: {}, // id -> project of GET /v1/projects
};

//: the page's state in its URL (shareable): these query keys, read at start and written as things change
const URL_KEYS = ["origin", "destination", "cargo", "avoid", "route", "scenario", "samples", "power", "project", "discount"];

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- helpers

/** Make an element: el("td", { className: "num" }, "text", child...). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function colorOf(corridorId) {
  if (PALETTE[corridorId]) return PALETTE[corridorId];
  let hash = 0;
  for (const ch of String(corridorId)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return FALLBACK_COLORS[hash % FALLBACK_COLORS.length];
}

/** Colour of a network link: its first corridor's, grey when it serves all ("*") or none. */
function linkColor(corridors) {
  const first = (corridors || [])[0];
  return first && first !== "*" ? colorOf(first) : SHARED_COLOR;
}

function nameOf(corridorId) {
  return state.corridorNames[corridorId] || corridorId;
}

function num(value, digits = 0) {
  if (value == null || Number.isNaN(Number(value))) return "–";
  return Number(value).toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function days(value) {
  if (value == null) return "–";
  return num(value, Math.abs(value) < 100 ? 1 : 0);
}

function placeLabel(place) {
  if (place == null) return "";
  if (typeof place === "object") return place.name || place.id || "";
  return String(place);
}

/** Same-origin JSON request; throws an Error carrying the API's error message. */
async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: "application/json" }, ...options });
  } catch (err) {
    throw new Error(`Cannot reach the corridor API (${err.message}).`);
  }
  let body = null;
  const text = await response.text();
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const info = body && body.error;
    const message = (info && info.message) || `${response.status} ${response.statusText || "error"} for ${path.split("?")[0]}`;
    const error = new Error(message);
    error.status = response.status;
    error.code = info && info.code;
    error.choices = info && Array.isArray(info.choices) ? info.choices : null; // an ambiguous place's candidates
    error.place = info && info.place;
    throw error;
  }
  return body;
}

function showError(err) {
  $("error-text").textContent = err && err.message ? err.message : String(err);
  renderPlaceChoices(err);
  $("error").hidden = false;
}

function clearError() {
  $("error").hidden = true;
  $("error-text").textContent = "";
  $("place-choices").replaceChildren();
  $("place-choices").hidden = true;
}

/** An ambiguous place: one button per candidate (with its country code) that puts it in the field and compares. */
function renderPlaceChoices(err) {
  const box = $("place-choices");
  const choices = (err && err.code === "ambiguous_place" && err.choices) || [];
  const said = String((err && err.place) || "").trim().toLowerCase();
  const field = ["origin", "destination"].find((id) => $(id).value.trim().toLowerCase() === said) || "origin";
  box.replaceChildren(
    ...choices.map((choice) =>
      el(
        "button",
        {
          type: "button",
          className: "place-choice",
          dataset: { choice, field },
          onclick: () => {
            $(field).value = choice;
            clearError();
            runCompare();
          },
        },
        choice,
      ),
    ),
  );
  box.hidden = choices.length === 0;
}

function latLngsOf(geometry) {
  const swap = ([lon, lat]) => [lat, lon];
  switch (geometry && geometry.type) {
    case "LineString":
      return [geometry.coordinates.map(swap)];
    case "MultiLineString":
      return geometry.coordinates.map((line) => line.map(swap));
    default:
      return [];
  }
}

// ---------------------------------------------------------------- map

function initMap() {
  const map = L.map("map", {
    center: [45, 50],
    zoom: 3,
    minZoom: 2,
    maxZoom: 12,
    worldCopyJump: false,
    zoomSnap: 0.5,
  });
  map.attributionControl.setPrefix(false);

  // Panes, bottom to top: countries, network, flows, routes, places, bottlenecks.
  const panes = { countries: 250, network: 400, flows: 420, routes: 440, power: 450, places: 460, bottlenecks: 480 };
  for (const [name, z] of Object.entries(panes)) map.createPane(name).style.zIndex = String(z);

  const countries = feature(countriesTopo, countriesTopo.objects.countries);
  state.countries = L.geoJSON(countries, {
    pane: "countries",
    interactive: false,
    style: { color: "#b4b8bd", weight: 0.7, fillColor: "#f3f1ec", fillOpacity: 1 },
    attribution: "Borders: Natural Earth",
  }).addTo(map);

  state.networkLayer = L.layerGroup().addTo(map);
  state.routesLayer = L.layerGroup().addTo(map);
  state.flowsLayer = L.layerGroup();
  state.map = map;

  // The legend and the layer toggles are under the map (index.html), so that they never cover a route.
  state.placeLabels = L.layerGroup().addTo(map);
  map.on("zoomend moveend resize", placeLabels);
  $("labels-toggle").addEventListener("change", (ev) => {
    if (ev.target.checked) state.placeLabels.addTo(map);
    else state.placeLabels.remove();
  });
  $("share-link").addEventListener("click", copyLink);
  $("export-png").addEventListener("click", () => exportMapPng().catch(showError));

  $("tiles").addEventListener("change", (ev) => setTiles(ev.target.checked));
  $("network-toggle").addEventListener("change", (ev) => {
    if (ev.target.checked) state.networkLayer.addTo(map);
    else state.networkLayer.remove();
  });
  $("flows-toggle").addEventListener("change", (ev) => setFlowsVisible(ev.target.checked));
  state.powerLayer = L.layerGroup();
  $("power-toggle").addEventListener("change", (ev) => setPowerVisible(ev.target.checked).catch(showError));
  $("power-year").addEventListener("change", () => {
    if ($("power-toggle").checked) setPowerVisible(true).catch(showError);
    writeUrl();
  });
}

function setTiles(on) {
  const map = state.map;
  if (on) {
    if (!state.tiles) {
      state.tiles = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
        maxZoom: 19,
        attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
      });
    }
    state.tiles.addTo(map);
    state.countries.setStyle({ fillOpacity: 0, opacity: 0.35 });
  } else {
    if (state.tiles) state.tiles.remove();
    state.countries.setStyle({ fillOpacity: 1, opacity: 1 });
  }
}

function renderLegend(corridors) {
  const items = corridors.map((c) =>
    el(
      "li",
      { dataset: { corridor: c.id } },
      el("span", { className: "swatch", style: `background:${colorOf(c.id)}` }),
      c.name || c.id,
    ),
  );
  items.push(el("li", { className: "shared" }, el("span", { className: "swatch", style: `background:${SHARED_COLOR}` }), "shared links"));
  $("legend-corridors").replaceChildren(...items);
}

function drawNetwork(collection) {
  const layer = state.networkLayer;
  layer.clearLayers();
  state.links.clear();
  state.capacities.clear();
  const places = [];
  for (const f of collection.features || []) {
    const p = f.properties || {};
    if (p.type === "link") {
      state.links.set(p.id, f);
      const line = L.polyline(latLngsOf(f.geometry), {
        pane: "network",
        className: "net-link",
        color: linkColor(p.corridors),
        weight: 2,
        opacity: 0.8,
        dashArray: WATER_MODES.has(p.mode) ? "5 5" : null,
      });
      const corridors = (p.corridors || []).map((c) => (c === "*" ? "all corridors" : nameOf(c))).join(", ") || "no corridor";
      line.bindTooltip(
        `<b>${escapeHtml(p.id)}</b><br>${escapeHtml(p.mode || "")}` +
          `${p.distance_km != null ? `, ${num(p.distance_km)} km` : ""}<br>${escapeHtml(corridors)}`,
        { sticky: true },
      );
      layer.addLayer(line);
    } else if (p.type === "capacity") {
      state.capacities.set(p.id, f);
    } else if (p.type === "place" && f.geometry && f.geometry.type === "Point") {
      places.push(f);
    }
  }
  const degree = new Map();
  for (const f of state.links.values()) {
    for (const end of [f.properties.from, f.properties.to]) degree.set(end, (degree.get(end) || 0) + 1);
  }
  state.places = places
    .filter((f) => f.properties.kind !== "border")
    .map((f) => ({ name: f.properties.name, kind: f.properties.kind, links: degree.get(f.properties.name) || 0, f }))
    .sort((a, b) => b.links - a.links || a.name.localeCompare(b.name));
  for (const f of places) {
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const marker = L.circleMarker([lat, lon], {
      pane: "places",
      className: "place",
      radius: p.kind === "city" ? 4 : 3.5,
      color: "#343a40",
      weight: 1.2,
      fillColor: "#ffffff",
      fillOpacity: 1,
    });
    marker.bindTooltip(`${escapeHtml(p.name)}${p.country ? ` <span class="tt-dim">${escapeHtml(p.country)}</span>` : ""}`);
    marker.bindPopup(() => placePopup(p));
    layer.addLayer(marker);
  }
}

/** Labels of the main places: the compared ends first, then by number of links, each where it overlaps none. */
function placeLabels() {
  const map = state.map;
  const layer = state.placeLabels;
  if (!map || !layer) return;
  layer.clearLayers();
  const size = map.getSize();
  const ends = new Set([$("origin").value.trim().toLowerCase(), $("destination").value.trim().toLowerCase()]);
  const isEnd = (p) => ends.has(p.name.toLowerCase()) || ends.has(String(p.f.properties.id).toLowerCase());
  const zoom = map.getZoom();
  const most = zoom < 3.5 ? 10 : zoom < 5 ? 24 : 60;
  const candidates = [...state.places.filter(isEnd), ...state.places.filter((p) => !isEnd(p))];
  const taken = [];
  let shown = 0;
  for (const p of candidates) {
    if (shown >= most && !isEnd(p)) break;
    const [lon, lat] = p.f.geometry.coordinates;
    const at = map.latLngToContainerPoint([lat, lon]);
    const perChar = isEnd(p) ? 7.8 : 6.8; // bold 12 px and 11 px system fonts, a little generous
    const box = { x0: at.x + 2, y0: at.y - 9, x1: at.x + 14 + perChar * p.name.length, y1: at.y + 9 };
    if (box.x1 < 0 || box.x0 > size.x || box.y1 < 0 || box.y0 > size.y) continue;
    if (taken.some((t) => box.x0 < t.x1 && box.x1 > t.x0 && box.y0 < t.y1 && box.y1 > t.y0)) continue;
    taken.push(box);
    shown += 1;
    const icon = L.divIcon({
      className: `place-label${isEnd(p) ? " is-end" : ""}`,
      html: `<span>${escapeHtml(p.name)}</span>`,
      iconSize: null,
    });
    L.marker([lat, lon], { icon, pane: "places", interactive: false, keyboard: false }).addTo(layer);
  }
  document.body.dataset.labels = String(shown);
}

function placePopup(place) {
  const pick = (field) => {
    $(field).value = place.name;
    state.map.closePopup();
  };
  return el(
    "div",
    { className: "place-popup" },
    el("strong", {}, place.name),
    el("span", { className: "tt-dim" }, ` ${place.country || ""} · ${place.kind || ""}`),
    el(
      "div",
      { className: "popup-buttons" },
      el("button", { type: "button", onclick: () => pick("origin") }, "Set as origin"),
      el("button", { type: "button", onclick: () => pick("destination") }, "Set as destination"),
    ),
  );
}

// ---------------------------------------------------------------- compare

function avoidTokens() {
  return $("avoid")
    .value.split(/[\s,;]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

function syncAvoidChips() {
  const tokens = new Set(avoidTokens().map((t) => t.toLowerCase()));
  for (const box of document.querySelectorAll("#avoid-quick input")) box.checked = tokens.has(box.value.toLowerCase());
}

function initCompareForm() {
  for (const id of ["origin", "destination"]) $(id).addEventListener("input", () => suggestPlaces($(id).value));
  $("compare-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    runCompare();
  });
  $("avoid").addEventListener("input", syncAvoidChips);
  $("export-csv").addEventListener("click", exportCompareCsv);
  for (const fmt of ["csv", "xlsx", "geojson"]) {
    $(`download-${fmt}`).addEventListener("click", (ev) => downloadFromApi(ev).catch(showError));
  }
  for (const box of document.querySelectorAll("#avoid-quick input")) {
    box.addEventListener("change", () => {
      const value = box.value.toLowerCase();
      const tokens = avoidTokens().filter((t) => t.toLowerCase() !== value);
      if (box.checked) tokens.push(box.value);
      $("avoid").value = tokens.join(",");
    });
  }
  syncAvoidChips();
}

function compareParams() {
  const params = new URLSearchParams({
    origin: $("origin").value.trim(),
    destination: $("destination").value.trim(),
    cargo: $("cargo").value,
  });
  const avoid = avoidTokens().join(",");
  if (avoid) params.set("avoid", avoid);
  return params;
}

async function runCompare() {
  const token = ++state.compareToken;
  const params = compareParams();
  const button = $("compare-button");
  clearError();
  document.body.dataset.state = "loading";
  button.disabled = true;
  button.textContent = "Comparing…";
  try {
    const [result, geo] = await Promise.all([
      api(`/v1/compare?${params}`),
      api(`/v1/compare/geojson?${params}`),
    ]);
    if (token !== state.compareToken) return;
    state.lastCompare = result;
    renderCompareTable(result);
    setDownloadLinks(params, result);
    writeUrl();
    placeLabels();
    if ($("flows-toggle").checked) {
      $("flows-toggle").checked = false;
      setFlowsVisible(false);
    }
    drawRoutes(geo, result.options || []);
    if (state.pendingRoute && state.routes.has(state.pendingRoute)) toggleSelected(state.pendingRoute);
    state.pendingRoute = null;
    document.body.dataset.state = "compared";
    loadReliability(result.options || [], params, token);
  } catch (err) {
    if (token !== state.compareToken) return;
    clearComparison();
    showError(err);
    document.body.dataset.state = "error";
  } finally {
    if (token === state.compareToken) {
      button.disabled = false;
      button.textContent = "Compare";
    }
  }
}

/** Forget the last comparison: table, routes and chart (after a failed request). */
function clearComparison() {
  $("compare-results").hidden = true;
  $("compare-table").tBodies[0].replaceChildren();
  state.routesLayer.clearLayers();
  state.routes.clear();
  state.chart.data.datasets = [];
  state.chart.update();
  $("chart-box").hidden = true;
  $("reliability-table").hidden = true;
  $("reliability-status").hidden = false;
  $("reliability-status").textContent = "Compare two places to simulate the door-to-door days of each corridor.";
}

function renderCompareTable(result) {
  const options = result.options || [];
  const best = (key) => Math.min(...options.map((o) => (o[key] == null ? Infinity : Number(o[key]))));
  const bestDays = best("days");
  const bestCost = best("cost_usd");
  const bestCo2 = best("co2e_kg");
  const mark = (value, min) => (value != null && Number(value) === min && options.length > 1 ? "num best" : "num");

  const rows = options.map((o) => {
    const row = el(
      "tr",
      {
        className: "compare-row",
        dataset: { corridor: o.corridor },
        tabIndex: 0,
        title: [
          o.countries && o.countries.length ? `Countries: ${o.countries.join(", ")}` : null,
          o.modes && o.modes.length ? `Modes: ${o.modes.join(", ")}` : null,
          o.distance_km != null ? `Distance: ${num(o.distance_km)} km` : null,
        ]
          .filter(Boolean)
          .join("\n"),
      },
      el(
        "td",
        { className: "corridor-cell" },
        el("span", { className: "swatch", style: `background:${colorOf(o.corridor)}` }),
        nameOf(o.corridor),
        o.via ? el("span", { className: "via-inline" }, `via ${o.via}`) : null,
      ),
      el("td", { className: "via" }, o.via || "–"),
      el(
        "td",
        { className: mark(o.days, bestDays) },
        days(o.days),
        el("br"),
        el("span", { className: "range" }, `${days(o.days_low)}–${days(o.days_high)}`),
      ),
      el("td", { className: mark(o.cost_usd, bestCost) }, num(o.cost_usd)),
      el("td", { className: mark(o.co2e_kg, bestCo2) }, num(o.co2e_kg)),
      el("td", { className: "num" }, o.transshipments ?? "–"),
      el("td", { className: "num" }, o.border_crossings ?? "–"),
    );
    row.addEventListener("mouseenter", () => setHover(o.corridor));
    row.addEventListener("mouseleave", () => setHover(null));
    row.addEventListener("focus", () => setHover(o.corridor));
    row.addEventListener("blur", () => setHover(null));
    row.addEventListener("click", () => toggleSelected(o.corridor));
    row.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        toggleSelected(o.corridor);
      }
    });
    return row;
  });
  const body = $("compare-table").tBodies[0];
  if (rows.length) body.replaceChildren(...rows);
  else body.replaceChildren(el("tr", {}, el("td", { colSpan: 7, className: "empty" }, "No corridor serves this pair.")));

  const quantity = result.quantity != null ? `${num(result.quantity, result.quantity % 1 ? 1 : 0)} ` : "";
  $("compare-summary").textContent =
    `${placeLabel(result.origin)} → ${placeLabel(result.destination)} · ${quantity}${result.cargo || ""}` +
    `${result.optimize ? ` · best by ${result.optimize}` : ""}`;

  const unavailable = Object.entries(result.unavailable || {});
  const note = $("compare-note");
  note.hidden = unavailable.length === 0;
  note.replaceChildren();
  if (unavailable.length) {
    note.append(
      el("strong", {}, "Unavailable"),
      el(
        "ul",
        { className: "unavailable" },
        ...unavailable.map(([id, why]) =>
          el(
            "li",
            { dataset: { corridor: id } },
            el("span", { className: "swatch", style: `background:${colorOf(id)}` }),
            el("strong", {}, nameOf(id)),
            `: ${why}`,
          ),
        ),
      ),
    );
  }
  state.hoverId = null;
  state.selectedId = null;
  $("compare-results").hidden = false;
}

function drawRoutes(geo, options) {
  const layer = state.routesLayer;
  layer.clearLayers();
  state.routes.clear();
  const lines = new Map();
  const stops = [];
  for (const f of (geo && geo.features) || []) {
    const id = f.properties && f.properties.corridor;
    if (!id) continue;
    if (f.geometry && f.geometry.type === "Point") stops.push(f);
    else {
      if (!lines.has(id)) lines.set(id, []);
      lines.get(id).push(...latLngsOf(f.geometry));
    }
  }
  const byId = new Map(options.map((o) => [o.corridor, o]));
  // The first option (the API's best) is drawn last, on top.
  const ids = [...lines.keys()].sort((a, b) => rank(b) - rank(a));
  function rank(id) {
    const i = options.findIndex((o) => o.corridor === id);
    return i < 0 ? options.length : i;
  }
  for (const id of ids) {
    const latlngs = lines.get(id);
    L.polyline(latlngs, {
      pane: "routes",
      className: "route-casing",
      color: "#ffffff",
      weight: 9,
      opacity: 0.7,
      interactive: false,
    }).addTo(layer);
    const route = L.polyline(latlngs, {
      pane: "routes",
      className: `route route-${id}`,
      color: colorOf(id),
      weight: 5,
      opacity: 0.9,
      lineCap: "round",
      lineJoin: "round",
    });
    const o = byId.get(id);
    route.bindTooltip(
      `<b>${escapeHtml(nameOf(id))}</b>${o ? `<br>${days(o.days)} d · $${num(o.cost_usd)}${o.via ? `<br>via ${escapeHtml(o.via)}` : ""}` : ""}`,
      { sticky: true },
    );
    route.on("mouseover", () => setHover(id));
    route.on("mouseout", () => setHover(null));
    route.on("click", () => toggleSelected(id));
    route.addTo(layer);
    state.routes.set(id, route);
  }
  for (const f of stops) {
    const id = f.properties.corridor;
    const [lon, lat] = f.geometry.coordinates;
    const p = f.properties;
    const label = p.name || p.place || p.from || p.id;
    const what = p.mode ? ` · ${String(p.mode).replace(/_/g, " ")}` : "";
    const stop = L.circleMarker([lat, lon], {
      pane: "routes",
      className: `route-stop route-stop-${id}`,
      radius: 3.5,
      color: colorOf(id),
      weight: 2,
      fillColor: "#ffffff",
      fillOpacity: 1,
    });
    if (label) stop.bindTooltip(`${escapeHtml(label)}${escapeHtml(what)} <span class="tt-dim">${escapeHtml(nameOf(id))}</span>`);
    stop.addTo(layer);
  }
  const bounds = layer.getLayers().length ? L.featureGroup(layer.getLayers()).getBounds() : null;
  if (bounds && bounds.isValid()) {
    state.map.fitBounds(bounds, { paddingTopLeft: [40, 40], paddingBottomRight: [80, 40], maxZoom: 7 });
  }
  applyHighlight();
}

function setHover(id) {
  state.hoverId = id;
  applyHighlight();
}

function toggleSelected(id) {
  state.selectedId = state.selectedId === id ? null : id;
  applyHighlight();
  writeUrl();
  const route = state.routes.get(state.selectedId);
  // room on the right for the label of the eastern end
  if (route) state.map.fitBounds(route.getBounds(), { paddingTopLeft: [30, 30], paddingBottomRight: [80, 30], maxZoom: 7 });
}

function applyHighlight() {
  const active = state.hoverId ?? state.selectedId;
  for (const [id, route] of state.routes) {
    if (active == null) route.setStyle({ weight: 5, opacity: 0.9 });
    else if (id === active) {
      route.setStyle({ weight: 8, opacity: 1 });
      route.bringToFront();
    } else route.setStyle({ weight: 4, opacity: 0.22 });
  }
  for (const row of document.querySelectorAll("#compare-table .compare-row")) {
    row.classList.toggle("is-active", row.dataset.corridor === active);
    row.classList.toggle("is-selected", row.dataset.corridor === state.selectedId);
  }
}

// ---------------------------------------------------------------- reliability chart

function initChart() {
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 11;
  Chart.defaults.color = "#495057";
  state.chart = new Chart($("reliability-chart"), {
    type: "line",
    data: { datasets: [] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      parsing: false,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      scales: {
        x: { type: "linear", title: { display: true, text: "days door to door" }, ticks: { precision: 0 } },
        y: { type: "linear", beginAtZero: true, title: { display: true, text: "% of shipments per day" } },
      },
      plugins: {
        legend: { display: false }, // the table under the chart is the legend
        tooltip: {
          callbacks: {
            title: (items) => (items.length ? `${days(items[0].parsed.x)} days` : ""),
            label: (item) => `${item.dataset.label}: ${num(item.parsed.y, 1)} % per day`,
          },
        },
      },
    },
  });
}

async function loadReliability(options, compareQuery, token) {
  const status = $("reliability-status");
  const table = $("reliability-table");
  document.body.dataset.chart = "loading";
  status.hidden = false;
  status.textContent = `Simulating ${options.length} corridor${options.length === 1 ? "" : "s"}…`;
  const runs = options.map(async (o) => {
    const params = new URLSearchParams(compareQuery);
    params.set("corridor", o.corridor);
    params.set("samples", String(SIMULATE_SAMPLES));
    try {
      return { id: o.corridor, sim: await api(`/v1/simulate?${params}`) };
    } catch {
      return null; // a corridor without a route here: skip it
    }
  });
  const results = (await Promise.all(runs)).filter((r) => r && r.sim && r.sim.histogram);
  if (token !== state.compareToken) return;

  // Each corridor has its own bins: plot the share per day of transit so that the curves compare. The x axis
  // spans what the data hold: from the bin where the first 1 % of any corridor's shipments have arrived to the
  // bin where 99 % of every corridor's have (a long tail of a few shipments does not stretch it).
  let lo = Infinity;
  let hi = -Infinity;
  state.chart.data.datasets = results.map(({ id, sim }) => {
    const h = sim.histogram;
    const centres = (h.days || []).map(Number);
    const width = centres.length > 1 ? (centres[centres.length - 1] - centres[0]) / (centres.length - 1) : 1;
    const points = centres.map((d, i) => ({ x: d, y: (100 * Number((h.share || [])[i] || 0)) / (width || 1) }));
    const shares = centres.map((_, i) => Number((h.share || [])[i] || 0));
    const total = shares.reduce((a, b) => a + b, 0) || 1;
    let cumulative = 0;
    let first = null;
    let last = null;
    for (const [i, d] of centres.entries()) {
      cumulative += shares[i] / total; // shares are rounded: the cumulative is taken over their sum
      if (first == null && cumulative >= 0.01) first = d - width / 2;
      if (last == null && cumulative >= 0.99) last = d + width / 2;
    }
    if (first != null) lo = Math.min(lo, first);
    if (last != null) hi = Math.max(hi, last);
    return {
      label: nameOf(id),
      data: points,
      borderColor: colorOf(id),
      backgroundColor: `${colorOf(id)}22`,
      borderWidth: 2,
      pointRadius: 0,
      tension: 0.3,
      fill: false,
    };
  });
  const x = state.chart.options.scales.x;
  x.min = Number.isFinite(lo) ? Math.max(0, Math.floor(lo)) : undefined;
  x.max = Number.isFinite(hi) ? Math.ceil(hi) : undefined;
  // shown before it is drawn, and sized now: Chart.js's own resize waits for a ResizeObserver callback, which
  // on a busy machine comes after "ready" and leaves a canvas of 0 x 0 in the meantime
  $("chart-box").hidden = results.length === 0;
  if (results.length) state.chart.resize();
  state.chart.update();
  document.body.dataset.axis = `${state.chart.scales.x.min}-${state.chart.scales.x.max}`;

  table.tBodies[0].replaceChildren(
    ...results.map(({ id, sim }, index) => {
      const row = el(
        "tr",
        { className: "reliability-row", dataset: { corridor: id }, tabIndex: 0, title: "Click to show or hide this line" },
        el("td", { className: "corridor-cell" }, el("span", { className: "swatch", style: `background:${colorOf(id)}` }), nameOf(id)),
        el("td", { className: "num" }, days(sim.p50_days)),
        el("td", { className: "num" }, days(sim.p90_days)),
        el("td", { className: "num" }, days(sim.p95_days)),
        el("td", { className: "num" }, days(sim.mean_days)),
      );
      const toggle = () => {
        const visible = !state.chart.isDatasetVisible(index);
        state.chart.setDatasetVisibility(index, visible);
        state.chart.update();
        row.classList.toggle("is-off", !visible);
      };
      row.addEventListener("click", toggle);
      row.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") {
          ev.preventDefault();
          toggle();
        }
      });
      row.addEventListener("mouseenter", () => setHover(id));
      row.addEventListener("mouseleave", () => setHover(null));
      return row;
    }),
  );
  table.hidden = results.length === 0;
  if (results.length) {
    status.hidden = true;
  } else {
    status.textContent = "No corridor could be simulated for this pair.";
  }
  document.body.dataset.chart = "ready";
}

// ---------------------------------------------------------------- scenario runner

function initScenarioForm() {
  const key = $("api-key");
  try {
    key.value = localStorage.getItem(KEY_STORE) || "";
  } catch {
    /* storage can be disabled */
  }
  key.addEventListener("change", () => {
    try {
      localStorage.setItem(KEY_STORE, key.value);
    } catch {
      /* storage can be disabled */
    }
  });
  $("scenario").addEventListener("change", () => {
    showScenarioDescription();
    writeUrl();
  });
  $("export-scenario-csv").addEventListener("click", exportScenarioCsv);
  $("scenario-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    runScenario();
  });
  $("cancel-button").addEventListener("click", cancelJob);
}

function renderScenarios(items) {
  const select = $("scenario");
  const byName = {};
  select.replaceChildren(
    ...items.map((s) => {
      byName[s.name] = s;
      const year = s.year ? ` (${s.year})` : "";
      const store = s.source === "store" ? " · saved" : "";
      return el("option", { value: s.name }, `${s.title || s.name}${year}${store}`);
    }),
  );
  select._scenarios = byName;
  if (byName["base-2024"]) select.value = "base-2024";
  if (!items.length) select.append(el("option", { value: "", disabled: true }, "No scenarios"));
  showScenarioDescription();
}

function showScenarioDescription() {
  const select = $("scenario");
  const s = (select._scenarios || {})[select.value];
  $("scenario-description").textContent = s ? `${s.name}: ${s.description || ""}` : "";
}

function jobHeaders(key, json = false) {
  const headers = { Accept: "application/json", "X-API-Key": key };
  if (json) headers["Content-Type"] = "application/json";
  return headers;
}

/** The scenario a run is compared with: its base, or the nearest ancestor its bases share (as the reports do). */
function comparisonBase(name) {
  const all = $("scenario")._scenarios || {};
  const bases = (all[name] && all[name].bases) || [];
  if (bases.length <= 1) return bases[0] || null;
  const ancestors = (n, seen = new Set()) => {
    for (const b of (all[n] && all[n].bases) || []) {
      if (!seen.has(b)) {
        seen.add(b);
        ancestors(b, seen);
      }
    }
    return seen;
  };
  const lines = bases.map((b) => new Set([b, ...ancestors(b)]));
  const common = [...lines[0]].filter((n) => lines.every((line) => line.has(n)));
  common.sort((a, b) => ancestors(b).size - ancestors(a).size);
  return common[0] || null;
}

function keyMessage(err, doing = "Running a scenario") {
  if (err && (err.code === "api_key_missing" || err.code === "api_key_invalid")) {
    const what = err.code === "api_key_missing" ? "needs an API key" : "was refused: the API key is not valid";
    return new Error(
      `${doing} ${what}. Paste the key that the operator of this service gave you in the API key box above.`,
    );
  }
  return err;
}

async function runScenario() {
  const key = $("api-key").value.trim();
  const scenario = $("scenario").value;
  const samples = Math.max(120, Math.round(Number($("samples").value) || 1200));
  try {
    localStorage.setItem(KEY_STORE, key);
  } catch {
    /* storage can be disabled */
  }
  clearError();
  if (!scenario) {
    showError(new Error("Choose a scenario to run."));
    return;
  }
  stopPolling();
  const base = comparisonBase(scenario);
  const names = base ? [scenario, base] : [scenario];
  $("run-button").disabled = true;
  setJobStatus({
    status: "submitting",
    progress: 0,
    message: base ? `${scenario} and its base ${base}, ${samples} samples each` : `${scenario}, ${samples} samples`,
  });
  writeUrl();
  try {
    const jobs = [];
    for (const name of names) {
      const job = await api("/v1/jobs", {
        method: "POST",
        headers: jobHeaders(key, true),
        body: JSON.stringify({ kind: "scenario", scenario: name, samples }),
      });
      jobs.push({ id: job.id, key, name, last: job });
    }
    state.jobs = jobs;
    state.job = jobs[0];
    $("cancel-button").disabled = false;
    await pollJobs();
  } catch (err) {
    jobFailedToTalk(keyMessage(err));
  }
}

function jobFailedToTalk(err) {
  stopPolling();
  showError(err);
  state.job = null;
  state.jobs = [];
  setJobStatus({ status: "error", progress: 0, message: err.message });
  $("run-button").disabled = false;
  $("cancel-button").disabled = true;
}

function setJobStatus(job) {
  const progress = Math.min(1, Math.max(0, Number(job.progress) || 0));
  const bar = $("job-progress");
  bar.value = job.status === "succeeded" ? 1 : progress;
  const pct = job.status === "running" || job.status === "queued" ? ` ${Math.round(progress * 100)} %` : "";
  const detail = job.error ? (typeof job.error === "object" ? job.error.message || JSON.stringify(job.error) : job.error) : job.message;
  const status = $("job-status");
  status.className = `job-status status-${job.status}`;
  status.replaceChildren(el("strong", {}, job.status), pct, detail ? ` — ${detail}` : "");
  document.body.dataset.job = job.status;
}

/** Poll every job of the run (the scenario and its base) until all have ended, then show them side by side. */
async function pollJobs() {
  state.pollTimer = null;
  const jobs = state.jobs;
  if (!jobs.length) return;
  try {
    const answers = await Promise.all(
      jobs.map((j) =>
        TERMINAL.has(j.last.status)
          ? j.last
          : api(`/v1/jobs/${encodeURIComponent(j.id)}`, { headers: jobHeaders(j.key) }),
      ),
    );
    if (jobs !== state.jobs) return;
    answers.forEach((answer, i) => {
      jobs[i].last = answer;
    });
    const done = answers.every((a) => TERMINAL.has(a.status));
    const failed = answers.find((a) => a.status === "failed" || a.status === "cancelled");
    const progress = answers.reduce((t, a) => t + (a.status === "succeeded" ? 1 : Number(a.progress) || 0), 0);
    const names = jobs.map((j) => j.name).join(" and ");
    if (!done) {
      const running = answers.some((a) => a.status === "running");
      setJobStatus({ status: running ? "running" : "queued", progress: progress / answers.length, message: names });
      $("cancel-button").disabled = false;
      state.pollTimer = setTimeout(pollJobs, POLL_MS);
      return;
    }
    $("cancel-button").disabled = true;
    $("run-button").disabled = false;
    if (failed) {
      setJobStatus({ ...failed, message: names });
      if (failed.status === "failed" && failed.error) {
        showError(new Error(typeof failed.error === "object" ? failed.error.message || "The job failed." : String(failed.error)));
      }
      return;
    }
    const results = await Promise.all(
      jobs.map((j) => api(`/v1/jobs/${encodeURIComponent(j.id)}/result`, { headers: jobHeaders(j.key) })),
    );
    renderScenarioResult(results[0], results[1] || null);
    setJobStatus({ status: "succeeded", progress: 1, message: names });
  } catch (err) {
    jobFailedToTalk(keyMessage(err));
  }
}

function stopPolling() {
  if (state.pollTimer) clearTimeout(state.pollTimer);
  state.pollTimer = null;
}

async function cancelJob() {
  const jobs = state.jobs.filter((j) => !TERMINAL.has(j.last.status));
  if (!jobs.length) return;
  $("cancel-button").disabled = true;
  try {
    for (const j of jobs) {
      j.last = await api(`/v1/jobs/${encodeURIComponent(j.id)}/cancel`, { method: "POST", headers: jobHeaders(j.key) });
    }
    stopPolling();
    await pollJobs();
  } catch (err) {
    showError(keyMessage(err));
    $("cancel-button").disabled = false;
  }
}

function orderedCorridors(...maps) {
  const ids = new Set();
  for (const m of maps) if (m && typeof m === "object") Object.keys(m).forEach((k) => ids.add(k));
  const known = state.corridorOrder.filter((id) => ids.has(id));
  return [...known, ...[...ids].filter((id) => !known.includes(id)).sort()];
}

/** A scenario's results, and its base's beside them when there is one: volumes, P90 days and cost per corridor. */
function renderScenarioResult(result, base = null) {
  state.lastScenario = { result, base };
  const ids = orderedCorridors(result.volumes_mt, result.p90_days, base && base.volumes_mt);
  const table = $("scenario-table");
  table.classList.toggle("side-by-side", Boolean(base));
  const closed = (run, id) => run && id !== "other" && run.volumes_mt && id in run.volumes_mt && !(id in (run.p90_days || {}));
  const p90 = (run, id) => (closed(run, id) ? "closed" : days((run.p90_days || {})[id]));
  const th = (text, extra = {}) => el("th", { scope: "col", className: "num", ...extra }, text);
  if (base) {
    // each figure of the base beside the scenario's; the cost pair last (left out on a phone's width)
    const group = (text, span, extra = "") => el("th", { scope: "colgroup", colSpan: span, className: `group ${extra}` }, text);
    table.tHead.replaceChildren(
      el("tr", {}, el("th", { scope: "col" }, ""), group("Mt a year", 3), group("P90 days", 2), group("USD per FEU", 2, "cost")),
      el(
        "tr",
        {},
        el("th", { scope: "col" }, "Corridor"),
        th("base"),
        th("scenario"),
        th("Δ"),
        th("base"),
        th("scenario"),
        th("base", { className: "num cost" }),
        th("scenario", { className: "num cost" }),
      ),
    );
  } else {
    table.tHead.replaceChildren(
      el("tr", {}, el("th", { scope: "col" }, "Corridor"), th("Mt/yr"), th("P50 d"), th("P90 d"), th("USD/FEU")),
    );
  }
  const vol = (run, id) => Number((run.volumes_mt || {})[id] || 0);
  table.tBodies[0].replaceChildren(
    ...ids.map((id) => {
      const name = el("td", { className: "corridor-cell" }, el("span", { className: "swatch", style: `background:${colorOf(id)}` }), nameOf(id));
      if (!base) {
        return el(
          "tr",
          { dataset: { corridor: id } },
          name,
          el("td", { className: "num" }, num(vol(result, id), 2)),
          el("td", { className: "num" }, closed(result, id) ? "closed" : days((result.p50_days || {})[id])),
          el("td", { className: "num" }, p90(result, id)),
          el("td", { className: "num" }, closed(result, id) ? "–" : num((result.cost_usd_per_feu || {})[id])),
        );
      }
      const delta = vol(result, id) - vol(base, id);
      const sign = delta > 0.005 ? "delta-up" : delta < -0.005 ? "delta-down" : "";
      return el(
        "tr",
        { dataset: { corridor: id } },
        name,
        el("td", { className: "num base" }, num(vol(base, id), 2)),
        el("td", { className: "num" }, num(vol(result, id), 2)),
        el("td", { className: `num ${sign}` }, `${delta >= 0 ? "+" : "−"}${num(Math.abs(delta), 2)}`),
        el("td", { className: "num base" }, p90(base, id)),
        el("td", { className: "num" }, p90(result, id)),
        el("td", { className: "num base cost" }, closed(base, id) ? "–" : num((base.cost_usd_per_feu || {})[id])),
        el("td", { className: "num cost" }, closed(result, id) ? "–" : num((result.cost_usd_per_feu || {})[id])),
      );
    }),
  );
  const total = (run) => Object.values(run.volumes_mt || {}).reduce((a, b) => a + (Number(b) || 0), 0);
  const co2 = (run) => (run.co2e_kt != null ? `CO2e ${num(run.co2e_kt)} kt` : "");
  table.tFoot.replaceChildren(
    base
      ? el(
          "tr",
          {},
          el("th", { scope: "row" }, "Total"),
          el("td", { className: "num" }, num(total(base), 2)),
          el("td", { className: "num" }, num(total(result), 2)),
          el("td", { className: "num" }, `${total(result) >= total(base) ? "+" : "−"}${num(Math.abs(total(result) - total(base)), 2)}`),
          el("td", { colSpan: 2, className: "num" }, ""),
          el("td", { colSpan: 2, className: "num cost" }, ""),
        )
      : el(
          "tr",
          {},
          el("th", { scope: "row" }, "Total"),
          el("td", { className: "num" }, num(total(result), 2)),
          el("td", { colSpan: 3, className: "num" }, co2(result)),
        ),
  );
  const run = result.run_id != null ? ` · run ${result.run_id}` : "";
  const against = base
    ? ` · base: ${base.scenario}, scenario: ${result.scenario} · CO2e ${num(base.co2e_kt)} → ${num(result.co2e_kt)} kt`
    : "";
  $("scenario-summary").textContent = `${result.title || result.scenario || ""}${result.year ? ` (${result.year})` : ""}${against}${run}`;
  $("scenario-results").hidden = false;

  drawFlows(result);
  const toggle = $("flows-toggle");
  toggle.disabled = false;
  toggle.checked = true;
  setFlowsVisible(true);
}

function utilizationClass(u) {
  if (u >= 0.9) return "high";
  if (u >= 0.7) return "mid";
  return "low";
}

const UTIL_COLORS = { low: "#2f9e44", mid: "#f59f00", high: "#e03131" };

function capacityLatLng(id) {
  const f = state.capacities.get(id);
  if (!f || !f.geometry || f.geometry.type !== "Point") return null;
  const [lon, lat] = f.geometry.coordinates;
  return L.latLng(lat, lon);
}

function drawFlows(result) {
  const layer = state.flowsLayer;
  layer.clearLayers();
  const flows = Object.entries(result.link_flows_mt || {})
    .map(([id, mt]) => [id, Number(mt) || 0])
    .filter(([, mt]) => mt > 0)
    .sort((a, b) => a[1] - b[1]); // thick lines on top
  renderFlowLegend(flows.length ? flows[flows.length - 1][1] : 0);
  for (const [id, mt] of flows) {
    const f = state.links.get(id);
    if (!f) continue;
    L.polyline(latLngsOf(f.geometry), {
      pane: "flows",
      className: "flow",
      color: linkColor(f.properties.corridors),
      weight: state.flowScale(mt),
      opacity: 0.85,
      lineCap: "round",
    })
      .bindTooltip(`<b>${escapeHtml(id)}</b><br>${num(mt, 2)} Mt/yr`, { sticky: true })
      .addTo(layer);
  }

  const bottlenecks = [...(result.bottlenecks || [])].sort((a, b) => (b.utilization || 0) - (a.utilization || 0));
  const list = $("bottleneck-list");
  list.replaceChildren();
  for (const b of bottlenecks) {
    const where = capacityLatLng(b.element);
    const cap = state.capacities.get(b.element);
    const name = (cap && cap.properties.name) || b.element;
    const u = Number(b.utilization) || 0;
    const cls = utilizationClass(u);
    const text = `${num(u * 100)} % used · ${b.delay_hours != null ? `${num(b.delay_hours, 1)} h delay` : "no delay data"}`;
    if (where) {
      L.circleMarker(where, {
        pane: "bottlenecks",
        className: `bottleneck bottleneck-${cls}`,
        radius: 5 + 5 * Math.min(u, 1.2),
        color: "#ffffff",
        weight: 1.5,
        fillColor: UTIL_COLORS[cls],
        fillOpacity: 0.9,
      })
        .bindTooltip(`<b>${escapeHtml(name)}</b> <span class="tt-dim">${escapeHtml(b.element)}</span><br>${escapeHtml(text)}`)
        .addTo(layer);
    }
    if (list.children.length < 6) {
      const item = el(
        "li",
        { dataset: { element: b.element } },
        el("span", { className: `dot util-${cls}` }),
        el("span", { className: "bn-name" }, name),
        el("span", { className: "bn-value" }, text),
      );
      if (where) {
        item.tabIndex = 0;
        item.classList.add("clickable");
        const go = () => {
          setFlowsVisible(true);
          $("flows-toggle").checked = true;
          state.map.setView(where, Math.max(state.map.getZoom(), 6));
        };
        item.addEventListener("click", go);
        item.addEventListener("keydown", (ev) => ev.key === "Enter" && go());
      }
      list.append(item);
    }
  }
  if (!bottlenecks.length) list.append(el("li", { className: "empty" }, "No bottleneck reported."));
}

/** The width key of the flows: lines drawn as the map draws 1, 10 and the largest flow's Mt a year. */
function renderFlowLegend(largest) {
  const values = [1, 10, 50, 100].filter((v) => v < largest * 0.8);
  if (largest > 0) values.push(Number(largest.toPrecision(2)));
  const items = values.map((mt) => {
    const width = state.flowScale(mt);
    const svg = `<svg width="34" height="16" aria-hidden="true"><line x1="2" y1="8" x2="32" y2="8" stroke="#495057" stroke-width="${width}" stroke-linecap="round"/></svg>`;
    const item = el("span", { className: "flow-legend-item", dataset: { mt: String(mt), width: String(width) } });
    item.innerHTML = `${svg}${escapeHtml(num(mt, mt < 10 ? 1 : 0))}`;
    return item;
  });
  $("flow-legend-items").replaceChildren(...items);
}

function setFlowsVisible(on) {
  if (on) state.flowsLayer.addTo(state.map);
  else state.flowsLayer.remove();
  $("map").classList.toggle("flows-on", on);
  $("flow-legend").hidden = !on || !$("flow-legend-items").children.length;
}

// ---------------------------------------------------------------- the power layer

/** Show or hide the power layer (GET /v1/power/map for the chosen year: grids, markets, interconnectors). */
async function setPowerVisible(on) {
  if (!on) {
    state.powerToken += 1;
    state.powerLayer.remove();
    $("power-legend").hidden = true;
    document.body.dataset.power = "off";
    writeUrl();
    return;
  }
  const year = $("power-year").value;
  if (state.powerYear !== year) {
    const token = ++state.powerToken;
    document.body.dataset.power = "loading";
    let geo;
    try {
      geo = await api(`/v1/power/map?year=${encodeURIComponent(year)}`);
    } catch (err) {
      if (token === state.powerToken) {
        $("power-toggle").checked = false;
        document.body.dataset.power = "error";
      }
      throw err;
    }
    if (token !== state.powerToken) return;
    drawPower(geo, year);
  }
  if (!$("power-toggle").checked) return;
  state.powerLayer.addTo(state.map);
  $("power-legend").hidden = false;
  document.body.dataset.power = `ready:${year}`;
  writeUrl();
}

function powerLinePopup(p, ends, year) {
  const parts = [`<b>${escapeHtml(p.name || p.id)}</b>`];
  const status = `${escapeHtml(p.status || "")}${p.ready ? `, ready ${escapeHtml(p.ready)}` : ""}${p.submarine ? ", submarine" : ""}`;
  parts.push(`Capacity <b>${num(p.capacity_mw)} MW</b> <span class="tt-dim">${status}</span>`);
  if (p.net_twh == null) {
    parts.push(`Not in service in ${escapeHtml(year)}: no flow.`);
  } else {
    const [a, b] = p.net_twh >= 0 ? ends : [...ends].reverse();
    parts.push(`Net flow <b>${num(Math.abs(p.net_twh), 2)} TWh</b> in ${escapeHtml(year)}, ${escapeHtml(a)} → ${escapeHtml(b)}`);
    parts.push(`Utilisation <b>${num(100 * (p.utilisation || 0), 1)} %</b> of its capacity`);
  }
  return `<div class="power-popup">${parts.join("<br>")}</div>`;
}

function drawPower(geo, year) {
  const layer = state.powerLayer;
  layer.clearLayers();
  const features = (geo && geo.features) || [];
  const nodeAt = new Map();
  for (const f of features) {
    if (f.geometry && f.geometry.type === "Point") nodeAt.set(f.geometry.coordinates.join(","), f.properties.name);
  }
  const lines = features
    .filter((f) => f.geometry && f.geometry.type === "LineString")
    .sort((a, b) => Math.abs(a.properties.net_twh || 0) - Math.abs(b.properties.net_twh || 0)); // thick on top
  let largest = 0;
  for (const f of lines) {
    const p = f.properties;
    const twh = p.net_twh == null ? null : Math.abs(Number(p.net_twh));
    if (twh != null) largest = Math.max(largest, twh);
    const coords = f.geometry.coordinates;
    const ends = [coords[0], coords[coords.length - 1]].map((c) => nodeAt.get(c.join(",")) || "");
    L.polyline(latLngsOf(f.geometry)[0], {
      pane: "power",
      className: `power-line power-line-${p.id}${twh == null ? " is-idle" : ""}`,
      color: POWER_COLOR,
      weight: twh == null ? 2 : state.powerScale(twh),
      opacity: twh == null ? 0.7 : 0.85,
      dashArray: twh == null ? "4 3" : null,
      lineCap: "round",
    })
      .bindTooltip(`<b>${escapeHtml(p.name || p.id)}</b><br>${twh == null ? "not in service" : `${num(twh, 2)} TWh/yr`}`, { sticky: true })
      .bindPopup(powerLinePopup(p, ends, year))
      .addTo(layer);
  }
  for (const f of features) {
    if (!f.geometry || f.geometry.type !== "Point") continue;
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const intensity = p.intensity_g_per_kwh != null ? `<br>${num(p.intensity_g_per_kwh)} g CO2e/kWh in ${escapeHtml(year)}` : "";
    const capacity = p.kind === "grid" ? `<br>${num(p.capacity_mw)} MW in operation` : "<br>a market the cables export to";
    L.circleMarker([lat, lon], {
      pane: "power",
      className: `power-node power-node-${p.kind}`,
      radius: p.kind === "grid" ? 6 : 5,
      color: POWER_COLOR,
      weight: 2,
      fillColor: p.kind === "grid" ? POWER_COLOR : "#ffffff",
      fillOpacity: 0.9,
    })
      .bindTooltip(`<b>${escapeHtml(p.name)}</b>${capacity}${intensity}`)
      .addTo(layer);
  }
  renderPowerLegend(largest);
  state.powerYear = year;
}

/** The width key of the power flows, drawn as the map draws them. */
function renderPowerLegend(largest) {
  const values = [1, 5].filter((v) => v < largest * 0.8);
  if (largest > 0) values.push(Number(largest.toPrecision(2)));
  $("power-legend-items").replaceChildren(
    ...values.map((twh) => {
      const width = state.powerScale(twh);
      const item = el("span", { className: "power-legend-item", dataset: { twh: String(twh), width: String(width) } });
      item.innerHTML =
        `<svg width="30" height="14" aria-hidden="true"><line x1="2" y1="7" x2="28" y2="7" stroke="${POWER_COLOR}" ` +
        `stroke-width="${width}" stroke-linecap="round"/></svg>${escapeHtml(num(twh, twh < 10 ? 1 : 0))}`;
      return item;
    }),
  );
}

// ---------------------------------------------------------------- world places and downloads

/** Suggest world cities (GET /v1/places?world=true) under the network's places, as the user types. */
function suggestPlaces(text) {
  clearTimeout(state.suggestTimer);
  const query = text.trim();
  if (query.length < 3) return;
  state.suggestTimer = setTimeout(async () => {
    const token = ++state.suggestToken;
    let data;
    try {
      data = await api(`/v1/places?world=true&limit=8&search=${encodeURIComponent(query)}`);
    } catch {
      return; // suggestions are a help: a failed one is not an error to show
    }
    if (token !== state.suggestToken) return;
    for (const option of state.worldOptions) option.remove();
    const known = new Set([...$("place-names").options].map((o) => o.value));
    state.worldOptions = (data.items || [])
      .filter((c) => c.label && !known.has(c.label))
      .map((c) =>
        el("option", {
          value: c.label,
          className: "world",
          label: [
            c.population ? `${num(c.population)} people` : null,
            c.nearest_terminal ? `${num(c.km)} km from ${c.nearest_terminal}` : null,
          ]
            .filter(Boolean)
            .join(" · "),
        }),
      );
    $("place-names").append(...state.worldOptions);
    document.body.dataset.suggested = state.worldOptions.map((o) => o.value).join("|");
  }, SUGGEST_MS);
}

/** The comparison as the API writes it, in every field: CSV, an Excel workbook, GeoJSON. */
function setDownloadLinks(params, result) {
  const stem = `corridor-${slug(placeLabel(result.origin))}-${slug(placeLabel(result.destination))}-${slug(result.cargo)}-all`;
  for (const fmt of ["csv", "xlsx", "geojson"]) {
    const query = new URLSearchParams(params);
    query.set("format", fmt);
    const link = $(`download-${fmt}`);
    link.href = `/v1/compare?${query}`;
    link.download = `${stem}.${fmt}`;
  }
}

/** Fetch a file of the API and save it under the page's name (the server's own name is the same for every pair). */
async function downloadFromApi(ev) {
  const link = ev.currentTarget;
  ev.preventDefault();
  if (!state.lastCompare) return;
  clearError();
  let response;
  try {
    response = await fetch(link.href);
  } catch (err) {
    throw new Error(`Cannot reach the corridor API (${err.message}).`);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText || "error"} for the ${link.textContent} file`;
    try {
      message = (await response.json()).error.message || message;
    } catch {
      /* not JSON: keep the status */
    }
    throw new Error(message);
  }
  download(link.download, await response.blob());
  document.body.dataset.download = link.download;
}

// ---------------------------------------------------------------- appraisal of a project

function initAppraiseForm() {
  $("appraise-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    runAppraisal();
  });
  $("project").addEventListener("change", () => {
    showProjectDescription();
    writeUrl();
  });
  $("discount").addEventListener("change", writeUrl);
}

async function loadProjects() {
  const data = await api("/v1/projects");
  const items = data.items || [];
  state.projects = Object.fromEntries(items.map((p) => [p.id, p]));
  $("project").replaceChildren(...items.map((p) => el("option", { value: p.id }, p.title || p.id)));
  if (!items.length) $("project").append(el("option", { value: "", disabled: true }, "No projects in this dataset"));
  showProjectDescription();
}

function showProjectDescription() {
  const p = state.projects[$("project").value];
  if (!p) {
    $("project-description").textContent = "";
    return;
  }
  const c = p.capex_musd || {};
  const range = c.low !== c.high ? ` (${num(c.low)}–${num(c.high)})` : "";
  $("project-description").textContent =
    `${p.id}: capex USD ${num(c.central)} m${range}, built ${p.build_from}–${p.build_to}, ${p.life_years} years of life`;
}

function setAppraiseStatus(job) {
  const detail = job.error ? (typeof job.error === "object" ? job.error.message : String(job.error)) : job.message;
  const pct = job.status === "running" ? ` ${Math.round(100 * (Number(job.progress) || 0))} %` : "";
  const status = $("appraise-status");
  status.className = `job-status status-${job.status}`;
  status.replaceChildren(el("strong", {}, job.status), pct, detail ? ` — ${detail}` : "");
  document.body.dataset.appraisal = job.status;
}

function appraisalFailed(err) {
  clearTimeout(state.appraisalTimer);
  state.appraisal = null;
  showError(err);
  setAppraiseStatus({ status: "error", message: err.message });
  $("appraise-button").disabled = false;
}

async function runAppraisal() {
  const key = $("api-key").value.trim();
  const project = $("project").value;
  const discount = $("discount").value.trim() || "6%";
  clearError();
  if (!project) {
    showError(new Error("Choose a project to appraise."));
    return;
  }
  clearTimeout(state.appraisalTimer);
  $("appraise-button").disabled = true;
  setAppraiseStatus({ status: "submitting", message: project });
  writeUrl();
  try {
    const job = await api("/v1/jobs", {
      method: "POST",
      headers: jobHeaders(key, true),
      body: JSON.stringify({ kind: "appraise", target: project, discount }),
    });
    state.appraisal = { id: job.id, key, last: job, project };
    await pollAppraisal();
  } catch (err) {
    appraisalFailed(keyMessage(err, "Appraising a project"));
  }
}

async function pollAppraisal() {
  const job = state.appraisal;
  if (!job) return;
  try {
    const answer = await api(`/v1/jobs/${encodeURIComponent(job.id)}`, { headers: jobHeaders(job.key) });
    if (job !== state.appraisal) return;
    job.last = answer;
    if (!TERMINAL.has(answer.status)) {
      setAppraiseStatus({ ...answer, message: job.project });
      state.appraisalTimer = setTimeout(pollAppraisal, POLL_MS);
      return;
    }
    $("appraise-button").disabled = false;
    if (answer.status !== "succeeded") {
      setAppraiseStatus({ ...answer, message: job.project });
      if (answer.error) showError(new Error(typeof answer.error === "object" ? answer.error.message || "The appraisal failed." : String(answer.error)));
      return;
    }
    const result = await api(`/v1/jobs/${encodeURIComponent(job.id)}/result`, { headers: jobHeaders(job.key) });
    renderAppraisal(result);
    setAppraiseStatus({ status: "succeeded", message: job.project });
  } catch (err) {
    appraisalFailed(keyMessage(err, "Appraising a project"));
  }
}

const TORNADO_NAMES = {
  capex_musd: "Capex",
  opex: "Opex",
  value_of_time: "Value of time",
  demand: "Demand",
  operator_margin: "Operator margin",
  carbon_price: "Carbon price",
  elasticity: "Elasticity",
};

const musd = (usd) => (usd == null ? "–" : num(Number(usd) / 1e6, Math.abs(usd) < 1e8 ? 1 : 0));
const pct = (rate, digits = 1) => (rate == null ? "–" : `${num(100 * Number(rate), digits)} %`);

/** NPV, BCR, EIRR, payback and the P10–P90 ranges of an appraisal, and its tornado as a bar chart. */
function renderAppraisal(r) {
  const project = state.projects[r.name];
  const ranges = r.ranges || {};
  const band = (key, fmt) => (ranges[key] ? `P10–P90 ${fmt(ranges[key].p10)} to ${fmt(ranges[key].p90)}` : "");
  const negative = ranges.probability_npv_negative ? ranges.probability_npv_negative.value : null;
  const figures = [
    ["npv", "NPV", `USD ${musd(r.npv_usd)} m`, band("npv_usd", musd) + (ranges.npv_usd ? " m" : "")],
    ["bcr", "BCR", num(r.bcr, 2), band("bcr", (v) => num(v, 2))],
    ["eirr", "EIRR", r.eirr == null ? "none" : pct(r.eirr), band("eirr", (v) => pct(v))],
    ["payback", "Payback", r.payback_year != null ? String(r.payback_year) : `not by ${r.horizon}`, ""],
    ["benefits", "PV benefits", `USD ${musd(r.pv_benefits_usd)} m`, ""],
    ["costs", "PV costs", `USD ${musd(r.pv_costs_usd)} m`, ""],
    ["risk", "NPV < 0", negative == null ? "–" : pct(negative, 0), ranges.samples ? `of ${num(ranges.samples.value)} draws` : ""],
  ];
  $("appraisal-figures").replaceChildren(
    ...figures.map(([id, term, value, range]) =>
      el(
        "div",
        { className: `figure figure-${id}`, dataset: { figure: id } },
        el("dt", {}, term),
        el("dd", { className: id === "npv" ? (Number(r.npv_usd) < 0 ? "negative" : "positive") : "" }, value),
        range ? el("dd", { className: "range" }, range) : null,
      ),
    ),
  );
  $("appraisal-summary").textContent =
    `${(project && project.title) || r.name} · ${pct(r.discount_rate, 1)} a year to ${r.horizon}, discounted to ${r.discounted_to}`;
  $("appraisal-results").hidden = false;

  const bars = [...(r.tornado || [])].sort((a, b) => (b.swing_usd || 0) - (a.swing_usd || 0));
  const centre = Number(r.npv_usd) / 1e6;
  $("tornado-box").style.height = `${60 + 26 * bars.length}px`;
  const data = {
    labels: bars.map((t) => TORNADO_NAMES[t.input] || String(t.input).replace(/_/g, " ")),
    datasets: [
      { label: "input at its low end", data: bars.map((t) => [centre, t.npv_at_low_usd / 1e6]), backgroundColor: "#1c64d4b0", grouped: false },
      { label: "input at its high end", data: bars.map((t) => [centre, t.npv_at_high_usd / 1e6]), backgroundColor: "#e8590cb0", grouped: false },
    ],
  };
  if (!state.tornado) {
    state.tornado = new Chart($("tornado-chart"), {
      type: "bar",
      data,
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { type: "linear", title: { display: true, text: "NPV, USD million" } },
          y: { type: "category", ticks: { autoSkip: false } },
        },
        plugins: {
          legend: { display: true, position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: (item) => {
                const t = state.tornadoBars[item.dataIndex];
                const at = item.datasetIndex === 0 ? t.low : t.high;
                return `${item.dataset.label} (${num(at, at % 1 ? 2 : 0)}): NPV USD ${num(item.raw[1], 1)} m`;
              },
            },
          },
        },
      },
    });
  } else {
    state.tornado.data = data;
  }
  state.tornadoBars = bars;
  state.tornado.update();
  document.body.dataset.tornado = String(bars.length);
}

// ---------------------------------------------------------------- the URL, links and exports

function writeUrl() {
  const q = new URLSearchParams();
  if (state.lastCompare) {
    q.set("origin", $("origin").value.trim());
    q.set("destination", $("destination").value.trim());
    if ($("cargo").value !== "FEU") q.set("cargo", $("cargo").value);
    const avoid = avoidTokens().join(",");
    if (avoid) q.set("avoid", avoid);
    if (state.selectedId) q.set("route", state.selectedId);
  }
  const scenario = $("scenario").value;
  if (scenario && (state.jobs.length || state.lastScenario || scenario !== "base-2024")) {
    q.set("scenario", scenario);
    if (Number($("samples").value) !== 1200) q.set("samples", String(Math.round(Number($("samples").value))));
  }
  if ($("power-toggle").checked) q.set("power", $("power-year").value);
  const project = $("project").value;
  const firstProject = $("project").options.length ? $("project").options[0].value : "";
  if (project && (state.appraisal || $("appraisal-results").hidden === false || project !== firstProject)) q.set("project", project);
  const discount = $("discount").value.trim();
  if (discount && discount !== "6%") q.set("discount", discount);
  const text = q.toString();
  history.replaceState(null, "", text ? `${location.pathname}?${text}` : location.pathname);
}

/** The view a link names: fill the form and compare (a scenario is chosen, not run: running needs a key). */
function readUrl() {
  const q = new URLSearchParams(location.search);
  for (const key of q.keys()) {
    if (!URL_KEYS.includes(key)) q.delete(key);
  }
  if (q.get("cargo") && [...$("cargo").options].some((o) => o.value === q.get("cargo"))) $("cargo").value = q.get("cargo");
  if (q.has("avoid")) {
    $("avoid").value = q.get("avoid");
    syncAvoidChips();
  }
  const scenario = q.get("scenario");
  if (scenario && ($("scenario")._scenarios || {})[scenario]) {
    $("scenario").value = scenario;
    showScenarioDescription();
  }
  if (q.get("samples") && Number(q.get("samples")) >= 120) $("samples").value = String(Math.round(Number(q.get("samples"))));
  if (q.get("project") && state.projects[q.get("project")]) {
    $("project").value = q.get("project");
    showProjectDescription();
  }
  if (q.get("discount")) $("discount").value = q.get("discount").slice(0, 20);
  const power = q.get("power");
  if (power && [...$("power-year").options].some((o) => o.value === power)) {
    $("power-year").value = power;
    $("power-toggle").checked = true;
    setPowerVisible(true).catch(showError);
  }
  if (q.get("origin") && q.get("destination")) {
    $("origin").value = q.get("origin");
    $("destination").value = q.get("destination");
    state.pendingRoute = q.get("route");
    runCompare();
  }
}

async function copyLink() {
  writeUrl();
  const url = location.href;
  let copied = false;
  try {
    await navigator.clipboard.writeText(url);
    copied = true;
  } catch {
    const area = el("textarea", { value: url, readOnly: true, style: "position:fixed;opacity:0" });
    document.body.append(area);
    area.select();
    try {
      copied = document.execCommand("copy");
    } catch {
      copied = false;
    }
    area.remove();
  }
  document.body.dataset.shared = url;
  const button = $("share-link");
  button.textContent = copied ? "Link copied" : "Copy the address bar";
  setTimeout(() => {
    button.textContent = "Copy link";
  }, 2000);
}

function csvText(header, rows) {
  const cell = (v) => {
    const t = v == null ? "" : String(v);
    return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  return [header, ...rows].map((row) => row.map(cell).join(",")).join("\n") + "\n";
}

function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 2000);
}

function slug(text) {
  return String(text || "").normalize("NFKD").replace(/[^\w-]+/g, "-").replace(/^-+|-+$/g, "").toLowerCase() || "x";
}

function exportCompareCsv() {
  const r = state.lastCompare;
  if (!r) return;
  const header = ["corridor", "via", "days_p50", "days_p10", "days_p90", "cost_usd", "co2e_kg", "transshipments", "border_crossings", "depart", "arrive_p50", "arrive_p90"];
  const rows = (r.options || []).map((o) => [
    o.corridor, o.via, o.days, o.days_low, o.days_high, o.cost_usd, o.co2e_kg, o.transshipments, o.border_crossings,
    o.depart, o.arrive_p50, o.arrive_p90,
  ]);
  const name = `corridor-${slug(placeLabel(r.origin))}-${slug(placeLabel(r.destination))}-${slug(r.cargo)}.csv`;
  download(name, new Blob([csvText(header, rows)], { type: "text/csv" }));
}

function exportScenarioCsv() {
  const run = state.lastScenario;
  if (!run) return;
  const { result, base } = run;
  const ids = orderedCorridors(result.volumes_mt, result.p90_days, base && base.volumes_mt);
  const pick = (r, key, id) => (r && r[key] && id in r[key] ? r[key][id] : "");
  const header = base
    ? ["corridor", "base_mt", "mt", "delta_mt", "base_p50_days", "p50_days", "base_p90_days", "p90_days", "base_usd_per_feu", "usd_per_feu"]
    : ["corridor", "mt", "p50_days", "p90_days", "usd_per_feu"];
  const rows = ids.map((id) =>
    base
      ? [
          id, pick(base, "volumes_mt", id), pick(result, "volumes_mt", id),
          Number(pick(result, "volumes_mt", id) || 0) - Number(pick(base, "volumes_mt", id) || 0),
          pick(base, "p50_days", id), pick(result, "p50_days", id), pick(base, "p90_days", id), pick(result, "p90_days", id),
          pick(base, "cost_usd_per_feu", id), pick(result, "cost_usd_per_feu", id),
        ]
      : [id, pick(result, "volumes_mt", id), pick(result, "p50_days", id), pick(result, "p90_days", id), pick(result, "cost_usd_per_feu", id)],
  );
  const name = `corridor-scenario-${slug(result.scenario)}${base ? `-vs-${slug(base.scenario)}` : ""}.csv`;
  download(name, new Blob([csvText(header, rows)], { type: "text/csv" }));
}

/** The map as a PNG: its vector panes (countries, network, routes, flows, places) drawn in order, the place
 * labels, then a title and the legend in a band below the map (so that it covers nothing). */
async function exportMapPng() {
  const mapEl = $("map");
  const frame = mapEl.getBoundingClientRect();
  const ratio = Math.max(1, Math.min(2, window.devicePixelRatio || 1));
  const legendItems = [...document.querySelectorAll("#legend-corridors li")].map((li) => ({
    name: li.textContent.trim(),
    color: li.querySelector(".swatch") ? li.querySelector(".swatch").style.background : SHARED_COLOR,
  }));
  if ($("power-toggle").checked && state.powerYear) legendItems.push({ name: `power lines, ${state.powerYear}`, color: POWER_COLOR });
  const band = 34 + 18 * Math.ceil(legendItems.length / 3);
  const canvas = el("canvas", { width: Math.round(frame.width * ratio), height: Math.round((frame.height + band) * ratio) });
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.fillStyle = getComputedStyle(mapEl).backgroundColor || "#dbe7f0";
  ctx.fillRect(0, 0, frame.width, frame.height);
  const svgs = [...mapEl.querySelectorAll(".leaflet-pane svg")].sort((a, b) => {
    const z = (node) => Number(getComputedStyle(node.closest(".leaflet-pane")).zIndex) || 0;
    return z(a) - z(b);
  });
  for (const svg of svgs) {
    const box = svg.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    const copy = svg.cloneNode(true);
    copy.removeAttribute("style");
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    copy.setAttribute("width", String(box.width));
    copy.setAttribute("height", String(box.height));
    const image = new Image();
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(copy))}`;
    await image.decode();
    ctx.drawImage(image, box.left - frame.left, box.top - frame.top, box.width, box.height);
  }
  ctx.font = "600 11px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  for (const label of mapEl.querySelectorAll(".place-label span")) {
    const box = label.getBoundingClientRect();
    const x = box.left - frame.left + 3;
    const y = box.top - frame.top + box.height / 2;
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#ffffff";
    ctx.strokeText(label.textContent, x, y);
    ctx.fillStyle = "#212529";
    ctx.fillText(label.textContent, x, y);
  }
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, frame.height, frame.width, band);
  ctx.fillStyle = "#212529";
  ctx.font = "650 13px system-ui, sans-serif";
  const r = state.lastCompare;
  const title = r ? `${placeLabel(r.origin)} → ${placeLabel(r.destination)}, ${r.cargo}` : "corridor: the network";
  ctx.fillText(title, 10, frame.height + 14);
  ctx.font = "12px system-ui, sans-serif";
  const column = Math.max(150, frame.width / 3);
  legendItems.forEach((item, i) => {
    const x = 10 + (i % 3) * column;
    const y = frame.height + 34 + 18 * Math.floor(i / 3);
    ctx.fillStyle = item.color;
    ctx.fillRect(x, y - 2, 18, 4);
    ctx.fillStyle = "#212529";
    ctx.fillText(item.name, x + 24, y);
  });
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  document.body.dataset.export = `png:${canvas.width}x${canvas.height}`;
  const name = r ? `corridor-map-${slug(placeLabel(r.origin))}-${slug(placeLabel(r.destination))}.png` : "corridor-map.png";
  download(name, blob);
}

// ---------------------------------------------------------------- start

async function loadNetwork() {
  const net = await api("/v1/network");
  const corridors = net.corridors || [];
  state.corridorNames = Object.fromEntries(corridors.map((c) => [c.id, c.name]));
  state.corridorOrder = corridors.map((c) => c.id);
  renderLegend(corridors);
  drawNetwork(net);
  const links = (net.features || []).filter((f) => f.properties && f.properties.type === "link").length;
  const places = (net.features || []).filter((f) => f.properties && f.properties.type === "place").length;
  $("api-status").textContent = `${places} places · ${links} links · ${corridors.length} corridors`;
}

async function loadPlaces() {
  const data = await api("/v1/places?limit=1000");
  const seen = new Set();
  const options = [];
  for (const p of data.items || []) {
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    options.push(el("option", { value: p.name, label: [p.country, p.kind].filter(Boolean).join(" · ") }));
  }
  $("place-names").replaceChildren(...options);
}

async function loadScenarios() {
  const data = await api("/v1/scenarios?limit=200");
  renderScenarios(data.items || []);
}

async function start() {
  $("error-close").addEventListener("click", clearError);
  initMap();
  initCompareForm();
  initChart();
  initScenarioForm();
  initAppraiseForm();
  const results = await Promise.allSettled([loadNetwork(), loadPlaces(), loadScenarios(), loadProjects()]);
  const failed = results.filter((r) => r.status === "rejected");
  if (failed.length) {
    showError(failed[0].reason);
    if (results[0].status === "rejected") $("api-status").textContent = "API not reachable";
  }
  if (document.body.dataset.state === "init") document.body.dataset.state = failed.length ? "error" : "ready";
  placeLabels();
  if (!failed.length) readUrl();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
