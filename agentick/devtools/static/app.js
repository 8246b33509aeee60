// agentick DevTools page: reads the server's records (sessions, events, compiled ticks) from
// /api/stream and shows them. Plain DOM, no dependencies; every piece of data is inserted as text
// (textContent, setAttribute), never parsed as HTML.
"use strict";
(() => {
  const TOKEN = document.querySelector('meta[name="agentick-token"]').content;
  const EXECUTION_EVENTS = new Set(["execution_start", "result", "execution_end"]);
  const sessions = new Map(); // id -> {id, app, process, parent, executions: Map, ticks: [tick]}
  const selection = { session: null, tick: null };
  let follow = true; // keep showing the selected session's latest tick
  let lastSeq = 0;
  let dirtyList = false;
  let dirtyMain = false;
  let frame = 0;
  let shown = { tick: null, record: -1, events: -1, diff: null };
  const openParts = new Set(); // context parts the user expanded (by data-part id)
  const closedNodes = new Set(); // component tree nodes the user collapsed (by path)

  // --- building DOM --------------------------------------------------------------------------

  function el(tag, cls, ...children) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
    }
    return node;
  }

  function attr(node, name, value) {
    node.setAttribute(name, value);
    return node;
  }

  function tokens(count) {
    return attr(el("span", "tokens", count), "title", "tokens");
  }

  function short(text, max) {
    const s = String(text ?? "").replace(/\s+/g, " ").trim();
    return s.length > max ? s.slice(0, max - 1) + "…" : s;
  }

  function json(value, max) {
    return short(typeof value === "string" ? value : JSON.stringify(value), max);
  }

  function signed(n) {
    return (n > 0 ? "+" : n < 0 ? "−" : "±") + Math.abs(n);
  }

  // --- the model: records in, sessions/executions/ticks out ----------------------------------

  function sessionOf(id) {
    let s = sessions.get(id);
    if (!s) {
      s = { id, app: "", process: "", parent: null, executions: new Map(), ticks: [] };
      sessions.set(id, s);
    }
    return s;
  }

  function executionOf(s, id) {
    let x = s.executions.get(id);
    if (!x) {
      x = { id, status: "running", error: null, ticks: new Map(), last: null, pending: [] };
      s.executions.set(id, x);
    }
    return x;
  }

  function tickOf(s, executionId, n) {
    const x = executionOf(s, executionId);
    let t = x.ticks.get(n);
    if (!t) {
      t = { key: `${executionId}:${n}`, session: s, execution: x, n, record: null, diff: null, start: null };
      t.events = x.pending.splice(0);
      t.recordVersion = 0;
      t.eventsVersion = t.events.length;
      x.ticks.set(n, t);
      if (!x.last || n > x.last.n) x.last = t;
      s.ticks.push(t);
      if (follow && selection.session === s.id) selection.tick = t.key;
    }
    return t;
  }

  function addEvent(s, ev) {
    const x = executionOf(s, ev.execution_id);
    let t = null;
    if (ev.type === "tick_start") {
      t = tickOf(s, ev.execution_id, ev.tick);
      t.start = ev.timestamp;
    } else if (!EXECUTION_EVENTS.has(ev.type) && x.ticks.has(ev.tick)) {
      t = x.ticks.get(ev.tick);
    } else {
      t = x.last; // execution-level events belong to the execution's current tick
    }
    if (ev.type === "execution_end") {
      x.status = ev.status;
      x.error = ev.error;
    }
    if (!t) {
      x.pending.push(ev); // before the execution's first tick: shown with that tick
      return;
    }
    t.events.push(ev);
    t.eventsVersion++;
    if (ev.type === "context_diff") t.diff = ev;
  }

  function apply(record) {
    if (typeof record.seq === "number") {
      if (record.seq <= lastSeq) return; // replayed after a reconnect
      lastSeq = record.seq;
    }
    const s = sessionOf(record.session_id);
    if (record.kind === "session") {
      s.app = record.app || "";
      s.process = record.process || "";
      s.parent = record.parent ?? null;
    } else if (record.kind === "tick") {
      const t = tickOf(s, record.execution_id, record.tick);
      t.record = record;
      t.recordVersion++;
    } else if (record.kind === "event") {
      addEvent(s, record.event);
    }
    dirtyList = true;
    if (selection.session === s.id) dirtyMain = true;
    schedule();
  }

  function findTick(key) {
    const s = sessions.get(selection.session);
    return (s && s.ticks.find((t) => t.key === key)) || null;
  }

  // --- selection -----------------------------------------------------------------------------

  function selectSession(id) {
    const s = sessions.get(id);
    selection.session = id;
    selection.tick = s && s.ticks.length ? s.ticks[s.ticks.length - 1].key : null;
    follow = true;
    dirtyList = dirtyMain = true;
    schedule();
  }

  function selectTick(key) {
    const t = findTick(key);
    if (!t) return;
    selection.tick = key;
    follow = t === t.session.ticks[t.session.ticks.length - 1];
    dirtyList = dirtyMain = true;
    schedule();
  }

  function choose(e) {
    const tick = e.target.closest("[data-tick]");
    if (tick) return selectTick(tick.dataset.tick);
    const session = e.target.closest("[data-session]");
    if (session) selectSession(session.dataset.session);
  }
  const nav = document.getElementById("sessions");
  nav.addEventListener("click", choose);
  nav.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" && e.key !== " ") return;
    e.preventDefault();
    choose(e);
  });

  function focusable(node) {
    node.tabIndex = 0;
    return attr(node, "role", "button");
  }

  // --- rendering -----------------------------------------------------------------------------

  function schedule() {
    if (!frame) frame = requestAnimationFrame(render);
  }

  function render() {
    frame = 0;
    if (dirtyList) renderList();
    if (dirtyMain) renderMain();
    dirtyList = dirtyMain = false;
  }

  function lastUserText(t) {
    const messages = (t && t.record && t.record.context.messages) || [];
    for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === "user") return messages[i].text;
    return "";
  }

  function renderList() {
    if (!sessions.size) return;
    const list = el("ul", "sessions");
    const children = new Map();
    for (const s of sessions.values()) {
      const parent = s.parent && sessions.has(s.parent) ? s.parent : null;
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(s);
    }
    const add = (s, depth) => {
      const item = focusable(attr(el("li", "session" + (s.id === selection.session ? " selected" : "")), "data-session", s.id));
      item.style.paddingLeft = `${0.6 + depth}rem`;
      item.append(
        el("span", "session-name", depth ? "↳ " : "", s.app || "session"),
        el("span", "session-id", s.id),
        el("span", "session-meta", [s.process, `${s.executions.size} exec · ${s.ticks.length} ticks`].filter(Boolean).join(" · ")),
      );
      list.append(item);
      if (s.id === selection.session) list.append(executionsOf(s, depth));
      for (const child of children.get(s.id) || []) add(child, depth + 1);
    };
    for (const s of children.get(null) || []) add(s, 0);
    const focused = nav.contains(document.activeElement) ? document.activeElement : null;
    nav.replaceChildren(list);
    if (focused) {
      // the list is rebuilt: give the focus back to the same item
      const [name, value] = focused.dataset.tick ? ["data-tick", focused.dataset.tick] : ["data-session", focused.dataset.session];
      const again = value && nav.querySelector(`[${name}="${CSS.escape(value)}"]`);
      if (again) again.focus();
    }
  }

  function executionsOf(s, depth) {
    const body = el("li", "session-body");
    body.style.paddingLeft = `${0.6 + depth}rem`;
    for (const x of [...s.executions.values()].reverse()) {
      const first = x.ticks.get(Math.min(...x.ticks.keys()));
      const head = el("div", "execution", el("span", `badge ${x.status}`, x.status), el("span", "execution-label", short(lastUserText(first), 60) || x.id));
      attr(head, "title", `execution ${x.id}` + (x.error ? `\n${x.error}` : ""));
      const ticks = el("ul", "ticks");
      for (const t of [...x.ticks.values()].sort((a, b) => a.n - b.n)) {
        const item = focusable(attr(el("li", "tick" + (t.key === selection.tick ? " selected" : "")), "data-tick", t.key));
        item.append(el("span", "tick-n", `tick ${t.n}`));
        if (t.record) item.append(el("span", "tick-tokens", `${t.record.context.total_tokens} tok`));
        if (t.diff) item.append(el("span", "delta " + (t.diff.token_delta > 0 ? "up" : "down"), signed(t.diff.token_delta)));
        ticks.append(item);
      }
      body.append(el("div", "execution-block", head, ticks));
    }
    return body;
  }

  function renderMain() {
    const t = findTick(selection.tick);
    const key = t ? t.key : null;
    const sameTick = shown.tick === key;
    const diff = t ? t.diff : null;
    if (!sameTick || shown.record !== (t ? t.recordVersion : -1)) {
      renderTitle(t);
      renderContext(t);
      renderTree(t);
    } else if (shown.diff !== diff) {
      renderContext(t); // the diff marks changed parts
    }
    if (!sameTick || shown.events !== (t ? t.eventsVersion : -1)) {
      renderDiff(t);
      renderEvents(t);
    }
    shown = { tick: key, record: t ? t.recordVersion : -1, events: t ? t.eventsVersion : -1, diff };
  }

  function renderTitle(t) {
    const title = document.getElementById("tick-title");
    if (!t) return title.replaceChildren(el("p", "empty", "Select a tick on the left."));
    title.replaceChildren(
      el("span", "crumb", t.session.app || "session"),
      el("span", "crumb id", t.session.id),
      el("span", "crumb id", `execution ${t.execution.id}`),
      el("strong", "crumb", `tick ${t.n}`),
      t.record ? attr(el("span", "total", "total ", tokens(t.record.context.total_tokens)), "id", "total") : null,
    );
  }

  // A tool whose definition changed under the same name is named only in `sources`.
  function changedTools(diff) {
    const listed = new Set([...diff.tools.added, ...diff.tools.removed].map((name) => `tool:${name}`));
    return Object.keys(diff.sources || {}).filter((key) => key.startsWith("tool:") && !listed.has(key));
  }

  function changedParts(diff) {
    const changed = new Map();
    if (!diff) return changed;
    if (diff.system) changed.set("system", "changed");
    for (const id of diff.sections.added) changed.set(`section:${id}`, "added");
    for (const id of diff.sections.changed) changed.set(`section:${id}`, "changed");
    for (const name of diff.tools.added) changed.set(`tool:${name}`, "added");
    for (const key of changedTools(diff)) changed.set(key, "changed");
    for (const part of Object.keys(diff.sources || {})) if (part.startsWith("message:")) changed.set(part, "added");
    return changed;
  }

  function part(id, kind, label, text, count, total, mark) {
    const bar = el("span", "bar", el("i"));
    bar.firstChild.style.width = `${total ? Math.max(1, (100 * count) / total) : 0}%`;
    const head = el("div", "part-head", el("span", `kind ${kind}`, kind), el("span", "part-label", label), mark ? el("span", `mark ${mark}`, mark) : null, bar, tokens(count));
    const body = el("pre", "part-text", text || "");
    return attr(el("div", "part" + (mark ? ` ${mark}` : "") + (openParts.has(id) ? " open" : ""), head, text ? body : null), "data-part", id);
  }

  document.getElementById("context").addEventListener("click", (e) => {
    const head = e.target.closest(".part-head");
    if (!head) return;
    const node = head.parentNode;
    const id = node.dataset.part;
    if (node.classList.toggle("open")) openParts.add(id);
    else openParts.delete(id);
  });

  function group(title, count, subtotal, parts) {
    return el("div", "group", el("h3", null, title, el("small", null, ` ${count}`), el("span", "subtotal", `${subtotal} tok`)), ...parts);
  }

  function sum(items) {
    return items.reduce((n, item) => n + item.tokens, 0);
  }

  function renderContext(t) {
    const box = document.getElementById("context");
    if (!t || !t.record) return box.replaceChildren(el("p", "empty", t ? "Compiling…" : ""));
    const c = t.record.context;
    const total = c.total_tokens;
    const marks = changedParts(t.diff);
    const groups = [];
    if (c.system !== null && c.system !== undefined) {
      groups.push(group("System", "", c.system_tokens, [part("system", "system", "system prompt", c.system, c.system_tokens, total, marks.get("system"))]));
    }
    if (c.sections.length) {
      groups.push(group("Sections", c.sections.length, sum(c.sections), c.sections.map((s) => part(`section:${s.id}`, "section", s.id, s.text, s.tokens, total, marks.get(`section:${s.id}`)))));
    }
    groups.push(group("Messages", c.messages.length, sum(c.messages), c.messages.map((m) => part(`message:${m.index}`, m.role, `#${m.index}`, m.text, m.tokens, total, marks.get(`message:${m.index}`)))));
    if (c.tools.length) {
      groups.push(group("Tools", c.tools.length, sum(c.tools), c.tools.map((tool) => part(`tool:${tool.name}`, "tool", tool.name, tool.description, tool.tokens, total, marks.get(`tool:${tool.name}`)))));
    }
    box.replaceChildren(...groups);
  }

  function source(diff, key) {
    const path = diff.sources && diff.sources[key];
    return path ? el("span", "source", path) : null;
  }

  function change(kind, label, diff, key) {
    return el("li", `change ${kind}`, el("span", `mark ${kind}`, kind), el("code", null, label), source(diff, key));
  }

  function renderDiff(t) {
    const box = document.getElementById("diff");
    const d = t && t.diff;
    if (!d) {
      const first = t && t.session.ticks[0] === t;
      return box.replaceChildren(el("p", "empty", !t ? "" : first ? "First tick of the session: nothing to compare with." : "No context_diff event for this tick."));
    }
    const rows = [];
    if (d.system) {
      const pre = el("pre", "udiff");
      for (const line of d.system.split("\n")) {
        const cls = /^(\+\+\+|---)/.test(line) ? "meta" : line[0] === "+" ? "add" : line[0] === "-" ? "del" : line.startsWith("@@") ? "hunk" : "";
        pre.append(el("span", cls, line + "\n"));
      }
      rows.push(el("div", "change-block", el("div", "change-head", el("code", null, "system"), source(d, "system")), pre));
    }
    const list = el("ul", "changes");
    for (const id of d.sections.added) list.append(change("added", `section:${id}`, d, `section:${id}`));
    for (const id of d.sections.changed) list.append(change("changed", `section:${id}`, d, `section:${id}`));
    for (const id of d.sections.removed) list.append(change("removed", `section:${id}`, d, `section:${id}`));
    for (const name of d.tools.added) list.append(change("added", `tool:${name}`, d, `tool:${name}`));
    for (const name of d.tools.removed) list.append(change("removed", `tool:${name}`, d, `tool:${name}`));
    for (const key of changedTools(d)) list.append(change("changed", key, d, key));
    const messageParts = Object.keys(d.sources || {}).filter((k) => k.startsWith("message:"));
    for (const key of messageParts) list.append(change("added", key, d, key));
    if (d.messages.added > messageParts.length) list.append(change("added", `${d.messages.added} message(s)`, d, ""));
    if (d.messages.removed) list.append(change("removed", `${d.messages.removed} message(s)`, d, ""));
    if (list.childElementCount) rows.push(list);
    if (!rows.length) rows.push(el("p", "empty", "Nothing the model sees changed."));
    box.replaceChildren(el("div", "delta-line", "token delta ", el("span", "delta " + (d.token_delta > 0 ? "up" : "down"), signed(d.token_delta))), ...rows);
  }

  function text(blocks) {
    return (blocks || []).map((b) => (b.type === "text" ? b.text : `[${b.type}]`)).join(" ");
  }

  function summary(ev) {
    switch (ev.type) {
      case "tick_start": case "execution_start": return "";
      case "compiled": return `${ev.iterations} pass${ev.iterations === 1 ? "" : "es"}`;
      case "context_diff": return `${signed(ev.token_delta)} tokens`;
      case "model_request": case "message_start": return ev.model || "";
      case "tool_call": case "tool_confirmation_required": return `${ev.name}(${json(ev.input, 80)})`;
      case "tool_result": return `${ev.name}${ev.is_error ? " (error)" : ""} → ${short(text(ev.content), 100)}`;
      case "message_end": return `${ev.stop_reason} · in ${ev.usage.input_tokens} / out ${ev.usage.output_tokens} · ${short(text(ev.message.content), 80)}`;
      case "tick_end": return `${ev.should_continue ? "continue" : "stop"}${ev.stop_reason ? " · " + ev.stop_reason : ""}`;
      case "result": return short(ev.result && ev.result.response, 100);
      case "execution_end": return ev.status + (ev.error ? ` · ${short(ev.error, 100)}` : "");
      case "spawn_start": return `${ev.component} → ${ev.child_session_id}`;
      case "spawn_end": return `${ev.child_session_id}${ev.error ? " · " + short(ev.error, 80) : ""}`;
      case "mcp_error": return `${ev.server}: ${short(ev.message, 100)}`;
      case "tool_confirmation_result": return `${ev.call_id} ${ev.approved ? "approved" : "denied"}`;
      default: {
        const rest = { ...ev };
        for (const k of ["type", "execution_id", "tick", "sequence", "timestamp", "session_id"]) delete rest[k];
        return json(rest, 100);
      }
    }
  }

  function since(ev, start) {
    if (start === null || typeof ev.timestamp !== "number") return "";
    const ms = (ev.timestamp - start) * 1000;
    return ms < 1000 ? `+${Math.max(0, Math.round(ms))} ms` : `+${(ms / 1000).toFixed(2)} s`;
  }

  function renderEvents(t) {
    const box = document.getElementById("events");
    if (!t) return box.replaceChildren();
    const rows = [];
    for (let i = 0; i < t.events.length; i++) {
      const ev = t.events[i];
      let label = summary(ev);
      if (ev.type === "content_delta") {
        let j = i;
        let joined = "";
        while (j < t.events.length && t.events[j].type === "content_delta" && t.events[j].block_type === ev.block_type) joined += t.events[j++].delta;
        label = `${j - i}× ${ev.block_type}: ${short(joined, 120)}`;
        i = j - 1;
      }
      const row = el("li", "event", el("span", "time", since(ev, t.start)), el("span", `type t-${ev.type}`, ev.type), el("span", "summary", label));
      attr(row, "title", new Date(ev.timestamp * 1000).toISOString() + ` · sequence ${ev.sequence}`);
      rows.push(row);
    }
    box.replaceChildren(rows.length ? el("ol", "events", ...rows) : el("p", "empty", "No events yet."));
  }

  function treeNode(node, path, depth) {
    const id = `${path}/${node.name}${node.key === null || node.key === undefined ? "" : "#" + node.key}`;
    const head = el("summary", null, el("span", "node-name", node.name), node.key !== null && node.key !== undefined ? el("span", "node-key", `#${node.key}`) : null, node.source ? attr(el("span", "source", node.source.split(/[\\/]/).pop()), "title", node.source) : null);
    const body = [];
    if (node.hooks && node.hooks.length) {
      body.push(el("ul", "hooks", ...node.hooks.map((h) => el("li", null, el("span", "hook", h.hook), el("code", null, json(h.value, 200))))));
    }
    const kids = node.children || [];
    kids.forEach((child, i) => body.push(treeNode(child, `${id}.${i}`, depth + 1)));
    if (!body.length) return el("div", "node leaf", head);
    const details = el("details", "node", head, ...body);
    details.open = !closedNodes.has(id);
    details.addEventListener("toggle", () => (details.open ? closedNodes.delete(id) : closedNodes.add(id)));
    return details;
  }

  function renderTree(t) {
    const box = document.getElementById("tree");
    if (!t || !t.record || !t.record.tree) return box.replaceChildren();
    box.replaceChildren(treeNode(t.record.tree, "", 0));
  }

  // --- the live connection -------------------------------------------------------------------

  let retries = 0;
  function setStatus(text, cls) {
    const status = document.getElementById("status");
    status.textContent = text;
    status.className = `status ${cls}`;
  }

  function connect() {
    const url = `api/stream?token=${encodeURIComponent(TOKEN)}&after=${lastSeq}`;
    const source = new EventSource(url);
    source.onopen = () => {
      retries = 0;
      setStatus("live", "live");
    };
    source.onmessage = (message) => {
      let record;
      try {
        record = JSON.parse(message.data);
      } catch {
        return;
      }
      apply(record);
      if (selection.session === null && record.kind === "session") selectSession(record.session_id);
    };
    source.onerror = () => {
      source.close(); // reconnect ourselves, from the last record received
      setStatus("reconnecting", "down");
      setTimeout(connect, Math.min(5000, 250 * 2 ** retries++));
    };
  }

  connect();
})();
