"""JavaScript the driver runs in the page: timing hooks and wait conditions.

The init script records `performance.now()` at every mouse-up, at every script
rerun the page asks for (a `BackMsg` carrying `rerun_script`), at every run
start (`ForwardMsg.new_session`) and end (`script_finished`), and whenever the
Draw page's answer changes in the DOM. Measuring in the page keeps a busy
client process from inflating the figures.
"""

SKELETONS = '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"], [data-testid="stAppSkeleton"]'

# Records mouse-ups, reruns sent, scripts finished and changes of the Draw page's answer
# (changes: [time, metrics changed, image changed, metrics text]).
INIT_SCRIPT = r"""
(() => {
  if (window.__mnist) return;
  const log = window.__mnist = {mouseups: [], sends: [], starts: [], finishes: [], changes: []};
  const now = () => performance.now();
  // Top-level (field number, value) pairs of a protobuf message; enough to spot
  // BackMsg.rerun_script (field 11), ForwardMsg.new_session (4: a run starts) and
  // ForwardMsg.script_finished (6).
  function topFields(bytes) {
    const out = [];
    let i = 0;
    const varint = () => {
      let result = 0, scale = 1, byte;
      do {
        byte = bytes[i++];
        result += (byte & 0x7f) * scale;
        scale *= 128;
      } while (byte & 0x80 && i < bytes.length);
      return result;
    };
    while (i < bytes.length) {
      const key = varint(), number = Math.floor(key / 8), wire = key & 7;
      if (wire === 0) out.push([number, varint()]);
      else if (wire === 2) { const size = varint(); out.push([number, null]); i += size; }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else break;
    }
    return out;
  }
  const asBytes = (data) => data instanceof ArrayBuffer ? new Uint8Array(data)
    : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
  const NativeWebSocket = window.WebSocket;
  const nativeSend = NativeWebSocket.prototype.send;
  NativeWebSocket.prototype.send = function (data) {
    try {
      const bytes = asBytes(data);
      if (bytes && topFields(bytes).some(([number]) => number === 11)) log.sends.push(now());
    } catch (error) { /* Never break the app over a log entry. */ }
    return nativeSend.call(this, data);
  };
  class TracedWebSocket extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        const time = now();
        try {
          const bytes = asBytes(event.data);
          const fields = bytes ? topFields(bytes) : [];
          if (fields.some(([number]) => number === 4)) log.starts.push(time);
          const finished = fields.find(([number]) => number === 6);
          if (finished) log.finishes.push([time, finished[1]]);
        } catch (error) { /* As above. */ }
      });
    }
  }
  window.WebSocket = TracedWebSocket;
  window.addEventListener("mouseup", () => log.mouseups.push(now()), true);
  // The Draw page's answer: the metrics' text, and the 28x28 image (rendered a little later).
  function answer() {
    const metrics = [...document.querySelectorAll('[data-testid="stMetric"]')].map((m) => m.innerText);
    const images = [...document.querySelectorAll('[data-testid="stImage"] img')].map((i) => i.src);
    return [metrics.join("|"), images.join("|")];
  }
  function watch() {
    let last = ["", ""];
    new MutationObserver(() => {
      const current = answer();
      if (current[0] !== last[0] || current[1] !== last[1]) {
        log.changes.push([now(), current[0] !== last[0], current[1] !== last[1], current[0]]);
        last = current;
      }
    }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                               attributeFilter: ["src"]});
  }
  if (document.body) watch(); else document.addEventListener("DOMContentLoaded", watch);
})();
"""

# True once the run answering the last mouse-up's drawing has finished and its answer is on screen
# (or clearly will not come). Runs are matched by their start: the first new_session after the send.
SETTLED_JS = """
([since, noSendMs, quietMs]) => {
  const log = window.__mnist, t = performance.now();
  const sends = log.sends.filter((x) => x > since);
  if (!sends.length) return t - since > noSendMs;
  const start = log.starts.find((x) => x > sends.at(-1));
  const finish = start && log.finishes.find(([x]) => x > start);
  if (!finish) return false;
  const last = Math.max(finish[0], ...log.changes.map(([x]) => x));
  const imageChanged = log.changes.some(([x, , image]) => x > start && image);
  return t - last > (imageChanged ? quietMs : 1500);
}
"""

# The element a press at canvas point (x, y) lands on is the drawing surface itself.
DRAWABLE_JS = """
([x, y]) => {
  const surface = [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
    .map((host) => (host.shadowRoot || host).querySelector("canvas.upper-canvas")).find(Boolean);
  if (!surface) return false;
  const box = surface.getBoundingClientRect(), root = surface.getRootNode();
  const hit = (root.elementFromPoint ? root : document).elementFromPoint(box.left + x, box.top + y);
  return hit === surface;
}
"""

# True once exactly one canvas is on the page, it is not the one keyed `oldKey` (the canvas a Clear
# replaces), it is at the top of its column with no stale or retained element (the old canvas's
# place, kept for a moment to avoid flicker) beside it, and it has not moved for stableMs. Under
# load the new canvas can first show up a canvas-height lower and jump up later. `token` starts
# a fresh wait.
CANVAS_STABLE_JS = """
([stableMs, oldKey, token]) => {
  const hosts = [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')];
  const surfaces = hosts.map((host) => (host.shadowRoot || host).querySelector("canvas.upper-canvas"));
  const container = hosts.length === 1 ? hosts[0].closest('[data-testid="stElementContainer"]') : null;
  const key = container?.className.match(/st-key-\\S+/)?.[0] ?? null;
  const leftovers = container ? [...container.parentElement.children].some((element) =>
    element.getAttribute("data-stale") === "true" || element.hasAttribute("data-retained")) : true;
  const box = container && surfaces[0] ? surfaces[0].getBoundingClientRect() : null;
  // The canvas is the first thing in its column; anything above it is the old canvas's place.
  const column = container?.closest('[data-testid="stColumn"]');
  const atTop = !column || !box || Math.abs(box.top - column.getBoundingClientRect().top) < 2;
  const usable = box && box.height > 0 && key !== oldKey && !leftovers && atTop;
  const place = usable ? `${key} ${box.left},${box.top},${box.width}` : null;
  const seen = window.__mnistCanvasPlace;
  if (!seen || seen.token !== token || seen.place !== place) {
    window.__mnistCanvasPlace = {token, place, since: performance.now()};
    return false;
  }
  return place !== null && performance.now() - seen.since >= stableMs;
}
"""


# True when the app is not running a script, every rerun sent has started and finished, no widget
# is still a grey placeholder (widgets' code loads lazily), and nothing happened for quietMs.
IDLE_JS = """
(quietMs) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return false;
  if (document.querySelector(SKELETONS)) return false;
  const log = window.__mnist, lastSend = log.sends.at(-1) ?? -1, lastStart = log.starts.at(-1) ?? -1;
  const lastFinish = log.finishes.at(-1)?.[0] ?? -1;
  if (lastStart < lastSend || lastFinish < lastStart) return false;
  return performance.now() - Math.max(lastSend, lastFinish) > quietMs;
}
""".replace("SKELETONS", repr(SKELETONS))

# The Train page's run section, from the run's heading ("Run 1 · ...") to the next heading:
# its progress bar, alerts (kind, text) and captions; plus all h3 headings and the Start button.
TRAIN_STATUS_JS = """
() => {
  const headings = [...document.querySelectorAll("h3")];
  const heading = headings.find((h) => /^Run \\d+ · /.test(h.innerText.trim()));
  const next = heading && headings[headings.indexOf(heading) + 1];
  const inRun = (element) => heading
    && heading.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING
    && !(next && next.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING);
  const found = (selector) => [...document.querySelectorAll(selector)].filter(inRun);
  const start = [...document.querySelectorAll("button")]
    .find((button) => button.innerText.trim().endsWith("Start training"));
  return {
    progress: found('[data-testid="stProgress"]').map((e) => e.innerText.trim())[0] ?? null,
    alerts: found('[data-testid="stAlertContainer"]').map((alert) => [
      alert.querySelector('[data-testid^="stAlertContent"]')?.getAttribute("data-testid").slice(14),
      alert.innerText.trim(),
    ]),
    headings: headings.map((h) => h.innerText.trim()),
    captions: found('[data-testid="stCaptionContainer"]').map((e) => e.innerText.trim()),
    startEnabled: start ? !start.disabled : false,
  };
}
"""
