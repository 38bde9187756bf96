/* 考位实时余量: open exam plans of this province with each session's remaining seats, kept live.
 *
 * One GraphQL query (examPlans) gives the snapshot; one `seatAvailability(planId:)` subscription per plan,
 * over the platform's graphql-transport-ws endpoint through the vendored graphql-ws client, keeps it current.
 * Counts are absolute and carry a version per session: the highest version wins, so a late snapshot never
 * overwrites a newer live count. After a dropped connection the client reconnects (backoff, without end),
 * its subscriptions are re-sent (each starts with the current counts) and the snapshot is read again
 * (plans opened or closed meanwhile). No build step: plain ES5-compatible script.
 */
(function () {
  "use strict";

  var PLANS = "query SeatBoard { examPlans(openOnly: true, first: 20) { totalCount edges { node { " +
    "id name region examStartsAt examEndsAt registrationClosesAt site { name address } subjects { name } " +
    "sessions { id name startsAt endsAt capacity remaining seatsVersion } } } } }";
  var SEATS = "subscription SeatBoardLive($planId: ID!) { seatAvailability(planId: $planId) { " +
    "sessionId planId capacity remaining version } }";
  var RESYNC_EVERY_MS = 5 * 60 * 1000;

  var body = document.body;
  var graphqlPath = body.getAttribute("data-graphql");
  var wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + graphqlPath;
  var plansEl = document.getElementById("plans");
  var statusEl = document.getElementById("status");

  var plans = [];          // snapshot order: [{id, name, ..., sessions: [id, ...]}]
  var seats = {};          // session id -> {capacity, remaining, version}
  var subscriptions = {};  // plan id -> unsubscribe()
  var loading = null;

  function setStatus(state, text) {
    statusEl.setAttribute("data-state", state);
    statusEl.textContent = text;
  }

  var timeFormat = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false
  });
  var dayFormat = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "numeric", day: "numeric" });
  var hourFormat = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", hour12: false });

  function when(iso) { return timeFormat.format(new Date(iso)); }
  function span(startIso, endIso) { return when(startIso) + "–" + hourFormat.format(new Date(endIso)); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    var key;
    for (key in attrs || {}) {
      if (Object.prototype.hasOwnProperty.call(attrs, key)) {
        if (key === "text") { node.textContent = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
      }
    }
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  /* Keep the count with the highest version. */
  function remember(sessionId, capacity, remaining, version) {
    var known = seats[sessionId];
    if (known && known.version > version) { return false; }
    seats[sessionId] = { capacity: capacity, remaining: remaining, version: version };
    return true;
  }

  function paintSession(sessionId) {
    var row = document.querySelector('tr[data-session-id="' + sessionId + '"]');
    var count = seats[sessionId];
    if (!row || !count) { return; }
    var cell = row.querySelector("[data-remaining]");
    var bar = row.querySelector(".bar > span");
    var changed = cell.textContent !== String(count.remaining);
    cell.textContent = String(count.remaining);
    row.querySelector("[data-capacity]").textContent = String(count.capacity);
    row.classList.toggle("full", count.remaining <= 0);
    row.querySelector(".full-tag").hidden = count.remaining > 0;
    bar.style.width = (count.capacity > 0 ? Math.round(100 * count.remaining / count.capacity) : 0) + "%";
    if (changed) {
      row.classList.remove("changed");
      void row.offsetWidth;  // restart the highlight animation
      row.classList.add("changed");
    }
  }

  function paintPlanTotal(plan) {
    var remaining = 0;
    var capacity = 0;
    plan.sessions.forEach(function (id) {
      if (seats[id]) { remaining += seats[id].remaining; capacity += seats[id].capacity; }
    });
    var total = document.querySelector('[data-plan-remaining="' + plan.id + '"]');
    if (total) { total.textContent = remaining + " / " + capacity; }
  }

  function render() {
    plansEl.textContent = "";
    plansEl.setAttribute("aria-busy", "false");
    if (!plans.length) {
      plansEl.appendChild(el("p", { "class": "empty", text: "目前没有报名中的考试计划。" }));
      return;
    }
    plans.forEach(function (plan) {
      var rows = plan.detail.sessions.map(function (session) {
        return el("tr", { "data-session-id": session.id }, [
          el("td", { "data-label": "场次", text: session.name }),
          el("td", { "data-label": "时间", text: span(session.startsAt, session.endsAt) }),
          el("td", { "data-label": "座位数", "data-capacity": "", text: "" }),
          el("td", { "data-label": "剩余", "class": "remaining" }, [
            el("strong", { "data-remaining": "", text: "" }),
            el("span", { "class": "full-tag", text: "已满" }),
            el("span", { "class": "bar", "aria-hidden": "true" }, [el("span")])
          ])
        ]);
      });
      var subjects = plan.detail.subjects.map(function (s) { return s.name; }).join("、");
      plansEl.appendChild(el("section", { "class": "plan", "data-plan-id": plan.id }, [
        el("h2", { text: plan.detail.name }),
        el("p", { "class": "meta", text: "考点：" + plan.detail.site.name + "（" + plan.detail.site.address + "）" }),
        el("p", { "class": "meta", text: "考试日期：" + dayFormat.format(new Date(plan.detail.examStartsAt)) +
          "　报名截止：" + when(plan.detail.registrationClosesAt) }),
        subjects ? el("p", { "class": "meta", text: "科目：" + subjects }) : null,
        el("p", { "class": "total" }, [
          el("span", { text: "剩余座位 " }),
          el("strong", { "data-plan-remaining": plan.id, text: "" })
        ]),
        el("table", { "class": "sessions" }, [
          el("thead", {}, [el("tr", {}, [
            el("th", { text: "场次" }), el("th", { text: "时间" }), el("th", { text: "座位数" }), el("th", { text: "剩余" })
          ])]),
          el("tbody", {}, rows)
        ])
      ]));
      plan.sessions.forEach(paintSession);
      paintPlanTotal(plan);
    });
  }

  function planOf(sessionId) {
    for (var i = 0; i < plans.length; i += 1) {
      if (plans[i].sessions.indexOf(sessionId) >= 0) { return plans[i]; }
    }
    return null;
  }

  function onCount(count) {
    if (remember(count.sessionId, count.capacity, count.remaining, count.version)) {
      paintSession(count.sessionId);
      var plan = planOf(count.sessionId);
      if (plan) { paintPlanTotal(plan); }
    }
  }

  function subscribe(planId) {
    if (subscriptions[planId]) { return; }
    subscriptions[planId] = client.subscribe({ query: SEATS, variables: { planId: planId } }, {
      next: function (result) {
        if (result.data && result.data.seatAvailability) { onCount(result.data.seatAvailability); }
      },
      error: function () { delete subscriptions[planId]; },  // the next resync subscribes again
      complete: function () { delete subscriptions[planId]; }
    });
  }

  /* Read the snapshot; follow the plans it lists (and stop following those that closed). */
  function resync() {
    if (loading) { return loading; }
    loading = fetch(graphqlPath, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ query: PLANS, operationName: "SeatBoard" })
    }).then(function (response) { return response.json(); }).then(function (result) {
      if (!result.data) { throw new Error("snapshot refused"); }
      var open = {};
      plans = result.data.examPlans.edges.map(function (edge) {
        var node = edge.node;
        open[node.id] = true;
        node.sessions.forEach(function (s) { remember(s.id, s.capacity, s.remaining, s.seatsVersion); });
        return { id: node.id, detail: node, sessions: node.sessions.map(function (s) { return s.id; }) };
      });
      Object.keys(subscriptions).forEach(function (planId) {
        if (!open[planId]) { subscriptions[planId](); delete subscriptions[planId]; }
      });
      render();
      plans.forEach(function (plan) { subscribe(plan.id); });
      body.setAttribute("data-synced-at", String(Date.now()));
    }).catch(function () {
      setStatus("offline", "无法获取考试计划，稍后自动重试…");
      setTimeout(resync, 3000);
    }).then(function () { loading = null; });
    return loading;
  }

  var client = graphqlWs.createClient({
    url: wsUrl,
    lazy: false,
    keepAlive: 15000,
    retryAttempts: Number.MAX_SAFE_INTEGER,
    shouldRetry: function () { return true; },
    retryWait: function (retries) {
      var wait = Math.min(5000, 250 * Math.pow(2, retries)) + Math.random() * 250;
      return new Promise(function (resolve) { setTimeout(resolve, wait); });
    },
    onNonLazyError: function () { /* retried */ },
    on: {
      connecting: function (wasRetry) {
        setStatus("connecting", wasRetry ? "连接已断开，正在重连…" : "正在连接…");
      },
      connected: function (socket, payload, wasRetry) {
        setStatus("live", "实时更新中");
        body.setAttribute("data-connections", String(Number(body.getAttribute("data-connections") || 0) + 1));
        if (wasRetry) { resync(); }
      },
      closed: function () { setStatus("offline", "连接已断开，正在重连…"); }
    }
  });

  // For diagnostics (and the browser tests): the client and a manual resync.
  window.seatBoard = { client: client, resync: resync };
  resync();
  setInterval(resync, RESYNC_EVERY_MS);
})();
