// The web remote's page: everything it shows arrives over the websocket; it polls nothing.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const token = new URLSearchParams(location.search).get("token") || "";
  let ws = null, show = { songs: [], sections: [] }, now = null, access = "read", retry = 500;

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${scheme}://${location.host}/ws` + (token ? `?token=${encodeURIComponent(token)}` : ""));
    ws.onopen = () => { retry = 500; $("link").textContent = "live"; $("link").className = "ok"; };
    ws.onclose = () => {
      $("link").textContent = "offline"; $("link").className = "bad";
      setTimeout(connect, retry);  // reconnect (with a back-off), never poll
      retry = Math.min(retry * 2, 8000);
    };
    ws.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg.type === "hello") { access = msg.access; document.body.classList.toggle("readonly", access !== "full"); }
      else if (msg.type === "show") { show = msg.show; renderShow(); if (now) renderNow(); }
      else if (msg.type === "now") { now = msg.now; renderNow(); }
      else if (msg.type === "refused") toast(msg.message);
    };
  }

  function send(cmd, args = []) {
    if (access !== "full" || !ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ cmd, args }));
  }

  function toast(text) {
    const t = $("toast"); t.textContent = text; t.hidden = false;
    clearTimeout(toast.timer); toast.timer = setTimeout(() => { t.hidden = true; }, 3000);
  }

  function renderShow() {
    $("showtitle").textContent = show.title || "Setlist";
    const list = $("songs"); list.replaceChildren();
    for (const s of show.songs) {
      const li = document.createElement("li");
      li.textContent = s.title; li.dataset.index = s.index;
      if (s.skip) li.classList.add("skip");
      li.addEventListener("click", () => send("go_to_song", [s.index + 1]));
      list.append(li);
    }
    const strip = $("sections"); strip.replaceChildren();
    show.sections.forEach((sec, i) => {
      const b = document.createElement("button");
      b.textContent = sec.name; b.dataset.section = sec.index;
      b.addEventListener("click", () => send("jump_to_section", [sec.index + 1, $("mode").value]));
      strip.append(b);
    });
  }

  function renderNow() {
    const n = now;
    const state = $("state");
    state.dataset.state = n.state; state.textContent = n.state.replace("_", " ").toUpperCase();
    $("play").textContent = n.state === "playing" || n.state === "count_in" ? "❚❚ Pause" : "▶︎ Play";
    $("title").textContent = n.song >= 0 ? `${n.song + 1}. ${n.title}` : "–";
    $("clock").textContent = n.clock;
    $("barbeat").textContent = n.bar ? `${n.bar}.${n.beat}` : "–";
    $("bpm").textContent = n.bpm ? `${Math.round(n.bpm)} bpm` : "";
    $("section").textContent = n.section_name;
    $("pending").textContent = n.pending_name ? `→ ${n.pending_name}` : (n.vamp ? "vamping" : "");
    $("nextsong").textContent = n.next_title ? `Next: ${n.next + 1}. ${n.next_title}` : "";
    $("lyric").textContent = n.lyric;
    $("vamp").classList.toggle("on", n.vamp);
    if (document.activeElement !== $("mode")) $("mode").value = n.jump_mode;
    for (const b of $("sections").children) {
      const i = Number(b.dataset.section);
      b.classList.toggle("current", i === n.section);
      b.classList.toggle("pending", i === n.pending_section);
    }
    for (const li of $("songs").children) {
      const i = Number(li.dataset.index);
      li.classList.toggle("current", i === n.song);
      li.classList.toggle("next", i === n.next);
    }
    const h = n.health, parts = [];
    parts.push(`<span class="${h.engine === "ok" ? "" : "bad"}">engine ${h.engine}</span>`);
    if (h.dropped) parts.push(`<span class="bad">${h.dropped} dropped</span>`);
    if (h.pedal) parts.push(`<span class="${h.pedal_connected ? "" : "bad"}">pedal ${h.pedal_connected ? "ok" : "lost"}</span>`);
    if (n.locked) parts.push("locked");
    $("health").innerHTML = parts.join(" · ");
  }

  document.querySelectorAll("button[data-cmd]").forEach((b) => b.addEventListener("click", () => send(b.dataset.cmd)));
  $("mode").addEventListener("change", () => send("jump_mode", [$("mode").value]));
  connect();
})();
