// Cairn console: plain ES modules, no build step. Reads the REST API (/api) only; every value shown comes from it.
// Charts are rates computed here from the cumulative counters of GET /api/stats, sampled every second.
import {TimeChart} from './chart.js';
import {projectionsView} from './projections.js';
import {cdcView} from './cdc.js';

const SAMPLE_MS = 1000;
const WINDOW_MS = 5 * 60 * 1000;
const DETAIL_REFRESH_MS = 2000;
const COLORS = ['#0f766e', '#2563eb', '#d97706', '#7c3aed', '#db2777', '#65a30d'];

// ------------------------------------------------------------------------------------------ DOM and formatting

/** Builds an element; children are nodes or text (never parsed as HTML). */
function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.substring(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

const nf = new Intl.NumberFormat();
const fmtInt = n => nf.format(n);

function fmtBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? Math.round(n) : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}

function fmtShort(n) {
  const a = Math.abs(n);
  if (a >= 1e9) return (n / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'G';
  if (a >= 1e6) return (n / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
  if (a >= 1e3) return (n / 1e3).toFixed(a >= 1e4 ? 0 : 1) + 'k';
  return a >= 10 || n === 0 ? String(Math.round(n)) : n.toFixed(1);
}

const fmtRecordRate = v => fmtShort(v) + '/s';
const fmtByteRate = v => fmtBytes(v) + '/s';

function fmtTime(ms) {
  if (ms < 0) return '–';
  const d = new Date(ms);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

const isInternal = name => name.startsWith('__');
const enc = encodeURIComponent;

// ------------------------------------------------------------------------------------------------- API access

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || 'HTTP ' + status);
    this.status = status;
    this.problem = problem;
  }
}

async function api(path) {
  const r = await fetch('/api' + path, {headers: {Accept: 'application/json'}, cache: 'no-store'});
  const text = await r.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (e) {
    body = null;
  }
  if (!r.ok) throw new ApiError(r.status, body);
  return body;
}

// ---------------------------------------------------------------------------------- sampling GET /api/stats

/** Readings of /api/stats over the last WINDOW_MS, oldest first: {time, kafka, topics: Map name -> counters}. */
const samples = [];
const sampleListeners = new Set();
let lastError = null;

async function sample() {
  try {
    const s = await api('/stats');
    const topics = new Map(s.topics.map(t => [t.name, t]));
    samples.push({time: s.time, kafka: s.kafka, topics});
    while (samples.length > 2 && samples[0].time < s.time - WINDOW_MS - 10000) samples.shift();
    lastError = null;
  } catch (e) {
    lastError = e;
  }
  renderStatus();
  for (const l of sampleListeners) l();
  setTimeout(sample, SAMPLE_MS);
}

/** Rate points [time, perSecond] of a counter (records or bytes) for the topics `include` accepts. */
function ratePoints(counter, include) {
  const out = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    const dt = (b.time - a.time) / 1000;
    if (dt <= 0) continue;
    let sum = 0;
    for (const [name, t] of b.topics) {
      if (!include(name)) continue;
      const before = a.topics.get(name);
      const d = t[counter] - (before ? before[counter] : 0);
      if (d > 0) sum += d; // a counter that went down: a restart or a re-created topic
    }
    out.push([b.time, sum / dt]);
  }
  return out;
}

/** The average rate over the last few seconds (steadier than one interval). */
function recentRate(counter, include, seconds = 5) {
  const pts = ratePoints(counter, include).slice(-seconds);
  return pts.length ? pts.reduce((s, p) => s + p[1], 0) / pts.length : 0;
}

function latest() {
  return samples.length ? samples[samples.length - 1] : null;
}

function renderStatus() {
  const el = document.getElementById('status');
  el.replaceChildren();
  const s = latest();
  if (lastError) {
    const starting = lastError.status === 503;
    el.append(h('span', {class: 'pill ' + (starting ? 'warn' : 'bad')}, starting ? 'Log starting…' : 'Server unreachable'));
    el.title = lastError.message;
    return;
  }
  el.title = '';
  el.append(h('span', {class: 'pill good'}, 'Log open'));
  if (s) {
    const k = s.kafka;
    const cls = k.state === 'LISTENING' ? 'good' : k.state === 'DISABLED' ? 'off' : 'bad';
    const text = k.state === 'LISTENING' ? `Kafka ${k.address} · ${k.connections} conn.`
      : k.state === 'DISABLED' ? 'Kafka off' : `Kafka ${k.state.toLowerCase()}`;
    el.append(h('span', {class: 'pill ' + cls, id: 'kafka-status'}, text));
  }
}

// ------------------------------------------------------------------------------------------------------ views

function chartCard(title, id, format, valueId, base = 10) {
  const canvas = h('canvas', {id, class: 'chart', 'data-points': '0'});
  const card = h('section', {class: 'card chart-card'},
    h('div', {class: 'card-head'}, h('h3', {}, title), h('span', {class: 'big', id: valueId}, '–')),
    canvas);
  const chart = new TimeChart(canvas, {windowMs: WINDOW_MS, format, base, series: []});
  return {card, chart};
}

/** Overview: totals, throughput charts and the topics with their current rates. */
function overviewView(root) {
  const user = name => !isInternal(name);
  const records = chartCard('Records in', 'chart-records', fmtShort, 'rate-records');
  const bytes = chartCard('Bytes in', 'chart-bytes', v => fmtBytes(v), 'rate-bytes', 1024);
  const stats = h('div', {class: 'stats'});
  const table = topicsTable();
  root.append(
    h('div', {class: 'page-head'}, h('h2', {}, 'Overview'),
      h('p', {class: 'muted'}, 'Appends by every client (REST and Kafka), sampled every second; internal topics left out.')),
    stats,
    h('div', {class: 'charts'}, records.card, bytes.card),
    h('section', {class: 'card'}, h('h3', {}, 'Topics'), table.element));

  const update = () => {
    const s = latest();
    if (!s) return;
    const topics = [...s.topics.values()].filter(t => user(t.name));
    stats.replaceChildren(
      stat('Topics', fmtInt(topics.length)),
      stat('Partitions', fmtInt(topics.reduce((n, t) => n + t.partitions, 0))),
      stat('Records (log end)', fmtInt(topics.reduce((n, t) => n + t.logEndOffset, 0))),
      stat('Size on disk', fmtBytes(topics.reduce((n, t) => n + t.sizeInBytes, 0))));
    records.chart.setData([{name: 'records/s', color: COLORS[0], points: ratePoints('appendedRecords', user)}], s.time);
    bytes.chart.setData([{name: 'bytes/s', color: COLORS[1], points: ratePoints('appendedBytes', user)}], s.time);
    document.getElementById('rate-records').textContent = fmtRecordRate(recentRate('appendedRecords', user));
    document.getElementById('rate-bytes').textContent = fmtByteRate(recentRate('appendedBytes', user));
    table.update(s.topics.values());
  };
  sampleListeners.add(update);
  update();
  return () => {
    sampleListeners.delete(update);
    records.chart.dispose();
    bytes.chart.dispose();
  };
}

function stat(label, value) {
  return h('div', {class: 'card stat'}, h('div', {class: 'stat-label'}, label), h('div', {class: 'stat-value'}, value));
}

/**
 * The topics table, updated in place every second: rows are rebuilt only when the set of topics changes, so links
 * stay clickable while the numbers move.
 */
function topicsTable() {
  const holder = h('div', {});
  let names = null;
  let cells = new Map();
  const update = topics => {
    topics = [...topics].sort((a, b) => a.name.localeCompare(b.name));
    const key = topics.map(t => t.name).join('\n');
    if (key !== names) {
      names = key;
      cells = new Map();
      if (topics.length === 0) {
        holder.replaceChildren(h('p', {class: 'empty'}, 'No topics yet. Create one with POST /api/topics or a Kafka AdminClient.'));
        return;
      }
      const rows = topics.map(t => {
        const c = [0, 1, 2, 3, 4, 5].map(() => h('td', {class: 'num'}));
        cells.set(t.name, c);
        return h('tr', {'data-topic': t.name},
          h('td', {}, h('a', {href: '#/topics/' + enc(t.name)}, t.name), isInternal(t.name) ? h('span', {class: 'tag'}, 'internal') : null),
          c);
      });
      holder.replaceChildren(h('table', {class: 'grid', id: 'topics-table'},
        h('thead', {}, h('tr', {}, h('th', {}, 'Topic'), h('th', {class: 'num'}, 'Partitions'),
          h('th', {class: 'num'}, 'Records'), h('th', {class: 'num'}, 'Size'), h('th', {class: 'num'}, 'Segments'),
          h('th', {class: 'num'}, 'In (records)'), h('th', {class: 'num'}, 'In (bytes)'))),
        h('tbody', {}, rows)));
    }
    for (const t of topics) {
      const only = name => name === t.name;
      const values = [fmtInt(t.partitions), fmtInt(t.logEndOffset), fmtBytes(t.sizeInBytes), fmtInt(t.segments),
        fmtRecordRate(recentRate('appendedRecords', only)), fmtByteRate(recentRate('appendedBytes', only))];
      cells.get(t.name).forEach((td, i) => {
        if (td.textContent !== values[i]) td.textContent = values[i];
      });
    }
  };
  return {element: holder, update};
}

/** Topics: the same table, alone. */
function topicsView(root) {
  const table = topicsTable();
  root.append(h('div', {class: 'page-head'}, h('h2', {}, 'Topics')), h('section', {class: 'card'}, table.element));
  const update = () => {
    const s = latest();
    if (s) table.update(s.topics.values());
  };
  sampleListeners.add(update);
  update();
  return () => sampleListeners.delete(update);
}

/**
 * Polls `load` every DETAIL_REFRESH_MS while the view is shown; `show` renders a result or an error, only when it
 * differs from the last one (so a quiet page stays still and its links stay put).
 */
function poll(load, show) {
  let stopped = false;
  let timer = null;
  let last = null;
  const run = async () => {
    let result;
    let error = null;
    try {
      result = await load();
    } catch (e) {
      error = e;
    }
    if (stopped) return;
    const seen = error ? 'error:' + error.message : JSON.stringify(result);
    if (seen !== last) {
      last = seen;
      show(result, error);
    }
    timer = setTimeout(run, DETAIL_REFRESH_MS);
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function errorBox(e) {
  return h('div', {class: 'error'}, e instanceof ApiError ? `${e.status}: ${e.message}` : String(e));
}

/** One topic: its partitions (offsets, size, segments), configs and its own throughput. */
function topicView(root, name) {
  const only = n => n === name;
  const chart = chartCard('Records in', 'chart-topic-records', fmtShort, 'rate-topic-records');
  const bytes = chartCard('Bytes in', 'chart-topic-bytes', v => fmtBytes(v), 'rate-topic-bytes', 1024);
  const body = h('div', {});
  root.append(
    h('div', {class: 'page-head'}, h('div', {class: 'crumbs'}, h('a', {href: '#/topics'}, 'Topics'), ' / '),
      h('h2', {}, name)),
    h('div', {class: 'charts'}, chart.card, bytes.card),
    body);
  const updateChart = () => {
    const s = latest();
    if (!s) return;
    chart.chart.setData([{name: 'records/s', color: COLORS[0], points: ratePoints('appendedRecords', only)}], s.time);
    bytes.chart.setData([{name: 'bytes/s', color: COLORS[1], points: ratePoints('appendedBytes', only)}], s.time);
    document.getElementById('rate-topic-records').textContent = fmtRecordRate(recentRate('appendedRecords', only));
    document.getElementById('rate-topic-bytes').textContent = fmtByteRate(recentRate('appendedBytes', only));
  };
  sampleListeners.add(updateChart);
  updateChart();
  const stop = poll(() => api('/topics/' + enc(name)), (t, e) => {
    if (e) {
      body.replaceChildren(errorBox(e));
      return;
    }
    body.replaceChildren(
      h('section', {class: 'card'}, h('h3', {}, 'Partitions'), partitionsTable(t)),
      h('section', {class: 'card'}, h('h3', {}, 'Configs'), configsTable(t.configs)),
      h('p', {class: 'muted'}, 'Topic id ' + t.id));
  });
  return () => {
    stop();
    sampleListeners.delete(updateChart);
    chart.chart.dispose();
    bytes.chart.dispose();
  };
}

function partitionsTable(t) {
  return h('table', {class: 'grid', id: 'partitions-table'},
    h('thead', {}, h('tr', {}, h('th', {}, 'Partition'), h('th', {class: 'num'}, 'Log start'),
      h('th', {class: 'num'}, 'Log end'), h('th', {class: 'num'}, 'High watermark'), h('th', {class: 'num'}, 'Records'),
      h('th', {class: 'num'}, 'Size'), h('th', {}, 'Segments (base offsets)'), h('th', {}, ''))),
    h('tbody', {}, t.partitions.map(p => h('tr', {},
      h('td', {}, String(p.partition)),
      h('td', {class: 'num'}, fmtInt(p.logStartOffset)),
      h('td', {class: 'num'}, fmtInt(p.logEndOffset)),
      h('td', {class: 'num'}, fmtInt(p.highWatermark)),
      h('td', {class: 'num'}, fmtInt(p.logEndOffset - p.logStartOffset)),
      h('td', {class: 'num'}, fmtBytes(p.sizeInBytes)),
      h('td', {class: 'segments'}, p.segments.map(s => h('span', {class: 'seg' + (s.active ? ' active' : ''),
        title: `${fmtInt(s.baseOffset)} – ${fmtInt(s.nextOffset - 1)}, ${fmtBytes(s.sizeInBytes)}${s.active ? ', active' : ''}`},
        fmtInt(s.baseOffset)))),
      h('td', {}, h('a', {class: 'button', href: `#/topics/${enc(t.name)}/partitions/${p.partition}`}, 'Browse records'))))));
}

function configsTable(configs) {
  const keys = Object.keys(configs || {}).sort();
  if (keys.length === 0) return h('p', {class: 'empty'}, 'Engine defaults.');
  return h('table', {class: 'grid compact'},
    h('tbody', {}, keys.map(k => h('tr', {}, h('td', {class: 'mono'}, k), h('td', {class: 'mono'}, configs[k])))));
}

/** Records of one partition, a page at a time, by offset. */
function recordsView(root, name, partition, query) {
  const limit = Math.min(1000, Math.max(1, parseInt(query.get('limit') || '20', 10) || 20));
  const offsetParam = query.get('offset');
  const body = h('div', {});
  const link = (offset, l = limit) => `#/topics/${enc(name)}/partitions/${partition}?offset=${offset}&limit=${l}`;
  root.append(
    h('div', {class: 'page-head'},
      h('div', {class: 'crumbs'}, h('a', {href: '#/topics'}, 'Topics'), ' / ',
        h('a', {href: '#/topics/' + enc(name)}, name), ' / '),
      h('h2', {}, 'Partition ' + partition)),
    body);

  const load = async () => {
    const q = (offsetParam === null ? '' : 'offset=' + enc(offsetParam) + '&') + 'limit=' + limit;
    return api(`/topics/${enc(name)}/partitions/${partition}/records?${q}`);
  };
  load().then(page => body.replaceChildren(recordsPage(page, limit, link)), e => {
    const start = e.problem && e.problem.logStartOffset;
    body.replaceChildren(errorBox(e),
      e.status === 416 ? h('p', {}, h('a', {href: link(start || 0)}, 'Go to the first record')) : null);
  });
  return () => {};
}

function recordsPage(page, limit, link) {
  const first = page.records.length ? page.records[0].offset : page.nextOffset;
  const start = page.logStartOffset;
  const hw = page.highWatermark;
  const prev = Math.max(start, first - limit);
  const last = Math.max(start, hw - limit);
  const jump = h('form', {class: 'jump', onsubmit: e => {
    e.preventDefault();
    const v = parseInt(new FormData(e.target).get('offset'), 10);
    if (!isNaN(v)) location.hash = link(v);
  }}, h('input', {name: 'offset', type: 'number', min: String(start), placeholder: 'offset', 'aria-label': 'offset'}),
    h('button', {type: 'submit'}, 'Go'));
  const nav = h('div', {class: 'pager'},
    pagerLink('« First', link(start), first <= start),
    pagerLink('‹ Previous', link(prev), first <= start),
    h('span', {class: 'range', id: 'records-range'}, page.records.length
      ? `Offsets ${fmtInt(first)} – ${fmtInt(page.records[page.records.length - 1].offset)} of ${fmtInt(start)} – ${fmtInt(hw - 1)}`
      : `No records from offset ${fmtInt(first)} (log ${fmtInt(start)} – ${fmtInt(hw)})`),
    pagerLink('Next ›', link(page.nextOffset), page.nextOffset >= hw),
    pagerLink('Last »', link(last), page.nextOffset >= hw),
    h('span', {class: 'spacer'}),
    h('label', {class: 'muted'}, 'Per page ',
      h('select', {onchange: e => (location.hash = link(first, e.target.value))},
        [20, 50, 100, 500].map(n => h('option', {value: String(n), selected: n === limit}, String(n))))),
    jump);
  const rows = page.records.map(r => h('tr', {'data-offset': String(r.offset)},
    h('td', {class: 'num mono'}, String(r.offset)),
    h('td', {class: 'mono nowrap'}, fmtTime(r.timestamp)),
    h('td', {class: 'mono'}, r.key !== undefined && r.key !== null ? r.key
      : r.keyBase64 ? h('span', {class: 'b64', title: 'not UTF-8: base64'}, r.keyBase64) : h('span', {class: 'muted'}, '–')),
    h('td', {class: 'mono value'}, valueCell(r)),
    h('td', {class: 'mono'}, headersCell(r.headers))));
  return h('section', {class: 'card'}, nav,
    h('table', {class: 'grid records', id: 'records-table'},
      h('thead', {}, h('tr', {}, h('th', {class: 'num'}, 'Offset'), h('th', {}, 'Timestamp'), h('th', {}, 'Key'),
        h('th', {}, 'Value'), h('th', {}, 'Headers'))),
      h('tbody', {}, rows)),
    page.records.length ? null : h('p', {class: 'empty'}, 'Nothing to show here.'));
}

function pagerLink(text, href, disabled) {
  return disabled ? h('span', {class: 'button disabled'}, text) : h('a', {class: 'button', href}, text);
}

function valueCell(r) {
  if (r.valueBase64) return h('span', {class: 'b64', title: 'not UTF-8 JSON: base64'}, r.valueBase64);
  if (r.value === null || r.value === undefined) return h('span', {class: 'muted'}, 'null (tombstone)');
  const compact = JSON.stringify(r.value);
  if (compact.length <= 120) return compact;
  return h('details', {}, h('summary', {}, compact.substring(0, 120) + '…'), h('pre', {}, JSON.stringify(r.value, null, 2)));
}

function headersCell(headers) {
  const keys = Object.keys(headers || {});
  if (keys.length === 0) return h('span', {class: 'muted'}, '–');
  return keys.map(k => h('div', {}, h('span', {class: 'hk'}, k), '=', headers[k] === null ? 'null' : headers[k]));
}

/** Consumer groups of the Kafka listener, with lag per partition. */
function groupsView(root) {
  const body = h('div', {});
  root.append(h('div', {class: 'page-head'}, h('h2', {}, 'Consumer groups'),
    h('p', {class: 'muted'}, 'Kafka consumer groups: lag is the high watermark minus the committed offset.')), body);
  return poll(() => api('/groups'), (groups, e) => {
    if (e) {
      body.replaceChildren(errorBox(e));
      return;
    }
    const s = latest();
    if (groups.length === 0) {
      const off = s && s.kafka.state !== 'LISTENING';
      body.replaceChildren(h('section', {class: 'card'}, h('p', {class: 'empty'}, off
        ? 'The Kafka listener is not listening (' + s.kafka.state.toLowerCase() + '), so there are no consumer groups.'
        : 'No consumer groups yet: they appear when a Kafka consumer with a group.id joins or commits.')));
      return;
    }
    body.replaceChildren(...groups.map(g => h('section', {class: 'card', 'data-group': g.groupId},
      h('div', {class: 'card-head'}, h('h3', {}, g.groupId),
        h('span', {class: 'pill ' + (g.state === 'Stable' ? 'good' : g.state === 'Empty' ? 'off' : 'warn')}, g.state),
        h('span', {class: 'muted'}, `${g.members} member(s)`), h('span', {class: 'spacer'}),
        h('span', {class: 'big'}, 'lag ' + fmtInt(g.lag))),
      g.partitions.length === 0 ? h('p', {class: 'empty'}, 'No committed offsets.') :
        h('table', {class: 'grid'},
          h('thead', {}, h('tr', {}, h('th', {}, 'Topic'), h('th', {class: 'num'}, 'Partition'),
            h('th', {class: 'num'}, 'Committed'), h('th', {class: 'num'}, 'High watermark'), h('th', {class: 'num'}, 'Lag'),
            h('th', {}, 'Committed at'))),
          h('tbody', {}, g.partitions.map(p => h('tr', {},
            h('td', {}, h('a', {href: '#/topics/' + enc(p.topic)}, p.topic)),
            h('td', {class: 'num'}, String(p.partition)),
            h('td', {class: 'num'}, fmtInt(p.committedOffset)),
            h('td', {class: 'num'}, fmtInt(p.highWatermark)),
            h('td', {class: 'num' + (p.lag > 0 ? ' lagging' : '')}, fmtInt(p.lag)),
            h('td', {class: 'mono nowrap'}, fmtTime(p.commitTimestamp)))))))));
  });
}

// ----------------------------------------------------------------------------------------------------- router

let disposeView = () => {};

function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = hash.split('?');
  const query = new URLSearchParams(qs || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const root = document.getElementById('view');
  disposeView();
  root.replaceChildren();
  let nav = 'overview';
  if (parts.length === 0) {
    disposeView = overviewView(root);
  } else if (parts[0] === 'topics' && parts.length === 1) {
    nav = 'topics';
    disposeView = topicsView(root);
  } else if (parts[0] === 'topics' && parts.length === 2) {
    nav = 'topics';
    disposeView = topicView(root, parts[1]);
  } else if (parts[0] === 'topics' && parts.length === 4 && parts[2] === 'partitions') {
    nav = 'topics';
    disposeView = recordsView(root, parts[1], parseInt(parts[3], 10), query);
  } else if (parts[0] === 'groups') {
    nav = 'groups';
    disposeView = groupsView(root);
  } else if (parts[0] === 'projections') {
    nav = 'projections';
    disposeView = projectionsView(root, {h, api, poll, errorBox, fmtInt, fmtShort});
  } else if (parts[0] === 'cdc') {
    nav = 'cdc';
    disposeView = cdcView(root, {h, api, poll, errorBox, fmtInt, fmtTime, fmtBytes});
  } else {
    root.append(h('div', {class: 'error'}, 'Nothing at ' + hash));
    disposeView = () => {};
  }
  for (const a of document.querySelectorAll('nav [data-nav]')) {
    a.classList.toggle('current', a.dataset.nav === nav);
  }
}

window.addEventListener('hashchange', route);
route();
sample();
