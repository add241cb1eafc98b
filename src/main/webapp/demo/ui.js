// The demo's small DOM helpers, shared by its modules.

export const $ = (id) => document.getElementById(id);
export const pick = (list) => list[Math.floor(Math.random() * list.length)];
export const capitalise = (s) => s.charAt(0).toUpperCase() + s.slice(1);
export const clamp01 = (n) => Math.min(1, Math.max(0, n));
export const ignore = () => {}; // typing and presence are best effort: they fail at once while offline
// Templates' roots get their class only here, so that nothing in a template matches li.message, .job, ...
export const clone = (templateId, className) => Object.assign($(templateId).content.firstElementChild.cloneNode(true), { className });
export const put = (node, selector, text) => (node.querySelector(selector).textContent = text);

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function clock(timestamp) {
  const d = new Date(timestamp);
  return isNaN(d) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function ago(ms) {
  if (!ms) return "—";
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 2 ? "just now" : s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : `${Math.floor(s / 3600)}h ago`;
}

export function toast(text, kind = "info") {
  const box = $("toasts");
  const node = el("div", `toast ${kind}`, text);
  box.append(node);
  while (box.children.length > 4) box.firstElementChild.remove();
  setTimeout(() => node.classList.add("leaving"), 3800);
  setTimeout(() => node.remove(), 4200);
}
