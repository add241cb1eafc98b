// The job board: progress of make-believe jobs that a JMS producer inside Herald sends to the
// ingress topic (docs/client.md, "The demo"); this page sees only what the broker carried.
import { $, clamp01, clone, pick, put, toast } from "./ui.js";

const JOB_TITLES = [
  "Nightly settlement export", "Reindex customer search", "Rebuild invoice PDFs", "Reconcile card payments",
  "Archive closed tickets", "Recompute loyalty tiers", "Sync product catalogue", "Generate VAT report",
  "Refresh fraud scores", "Compact audit log", "Send renewal reminders", "Warm CDN cache",
];
const JOB_STATUSES = ["queued", "running", "done", "failed"];
const MAX_JOBS = 12;

export const jobs = new Map(); // job id -> { node, first, at }
const seenJobEvents = new Set();

function makeJobCard(id) {
  const node = clone("job-template", "job");
  node.dataset.job = id;
  put(node, ".job-id", id);
  return node;
}

function updateJobCard(node, data) {
  const status = JOB_STATUSES.includes(data.status) ? data.status : "queued";
  const pct = Math.round(clamp01(Number(data.pct) / 100 || 0) * 100);
  Object.assign(node.dataset, { status, pct: String(pct) });
  put(node, ".job-title", String(data.title || "Untitled job"));
  put(node, ".status", status);
  put(node, ".pct", `${pct}%`);
  put(node, ".step", String(data.step || ""));
  node.querySelector(".fill").style.width = `${pct}%`;
}

export function applyJob(e) {
  if (e.event !== "job.progress" || seenJobEvents.has(e.id)) return;
  seenJobEvents.add(e.id);
  const data = e.data || {};
  const id = String(data.job || "");
  if (!id) return;
  const at = Date.parse(e.timestamp) || Date.now();
  let job = jobs.get(id);
  if (!job) jobs.set(id, (job = { node: makeJobCard(id), first: at, at: 0 }));
  if (at < job.at) return; // an older event from a gap reload must not undo a newer one
  job.at = at;
  updateJobCard(job.node, data);
  placeJobs();
}

// Newest first, at most MAX_JOBS; cards are moved only when out of place, so their bars
// keep animating instead of restarting.
function placeJobs() {
  const ordered = [...jobs.entries()].sort((a, b) => b[1].first - a[1].first);
  for (const [id, job] of ordered.slice(MAX_JOBS)) job.node.remove(), jobs.delete(id);
  const container = $("jobs");
  ordered.slice(0, MAX_JOBS).forEach(([, job], i) => {
    if (container.children[i] !== job.node) container.insertBefore(job.node, container.children[i] || null);
  });
}

export async function runJob() {
  const button = $("run-job");
  const title = pick(JOB_TITLES);
  button.disabled = true;
  try {
    const headers = { "Content-Type": "application/json" };
    const response = await fetch("/demo/jobs", { method: "POST", headers, body: JSON.stringify({ title }) });
    const body = await response.json().catch(() => ({}));
    if (response.status === 429) toast(body.message || "Too many jobs are running; try again in a moment.", "warn");
    else if (!response.ok) toast(body.message || `Could not start a job (HTTP ${response.status})`, "error");
    else toast(`${body.job || "Job"} started: ${title}`);
  } catch (e) {
    toast(`Could not start a job: ${e.message}`, "error");
  } finally {
    setTimeout(() => (button.disabled = false), 400);
  }
}
