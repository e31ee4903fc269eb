// Cairn console: the change data capture page (#/cdc). Reads and drives /api/cdc/connectors; every number shown
// comes from it. The console's helpers (element builder, API access, polling) are handed in by console.js.

/** Sends a request with a JSON body (or none); resolves to the parsed answer, rejects with the problem's text. */
async function send(method, path, body) {
  const r = await fetch('/api' + path, {
    method, cache: 'no-store',
    headers: body === undefined ? {Accept: 'application/json'} : {Accept: 'application/json', 'Content-Type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (!r.ok) {
    const errors = json && Array.isArray(json.errors) ? json.errors : [];
    throw new Error(errors.length ? errors.join('\n') : (json && (json.detail || json.title)) || 'HTTP ' + r.status);
  }
  return json;
}

const STATE_PILL = {STREAMING: 'good', SNAPSHOT: 'warn', STARTING: 'warn', PAUSED: 'off', STOPPED: 'off', FAILED: 'bad'};

const EXAMPLE = {
  name: 'shop',
  config: {
    type: 'postgres', 'database.hostname': '127.0.0.1', 'database.port': 5432, 'database.user': 'postgres',
    'database.password': '', 'database.dbname': 'shop', 'table.include.list': 'public.orders',
  },
};

export function cdcView(root, ui) {
  const {h, api, poll, errorBox, fmtInt, fmtTime, fmtBytes} = ui;
  const body = h('div', {});
  const message = h('pre', {class: 'error', hidden: true, 'data-cdc-error': true});
  const input = h('textarea', {rows: 9, cols: 80, class: 'mono', 'data-cdc-config': true});
  input.value = JSON.stringify(EXAMPLE, null, 2);
  let refresh = () => {};
  const act = async (method, path, payload) => {
    message.hidden = true;
    try {
      await send(method, path, payload);
      refresh();
    } catch (e) {
      message.textContent = e.message;
      message.hidden = false;
    }
  };
  const create = () => {
    let payload;
    try {
      payload = JSON.parse(input.value);
    } catch (e) {
      message.textContent = 'Not JSON: ' + e.message;
      message.hidden = false;
      return;
    }
    act('POST', '/cdc/connectors', payload);
  };
  root.append(h('div', {class: 'page-head'}, h('h2', {}, 'Change data capture'),
    h('p', {class: 'muted'}, 'Debezium connectors streaming PostgreSQL and MariaDB tables into topics, exactly once.')),
  body,
  h('section', {class: 'card'}, h('h3', {}, 'New connector'),
    h('p', {class: 'muted'}, 'name and config: Debezium\'s properties, plus type (postgres or mariadb), '
      + 'cairn.topic.pattern and cairn.topic.partitions. The configuration is checked against the database first.'),
    input, h('div', {}, h('button', {onclick: create, 'data-cdc-create': true}, 'Create')), message));

  const snapshotText = s => {
    const p = s.snapshot;
    if (!p.running && !p.completed) return p.rowsDone ? fmtInt(p.rowsDone) + ' rows' : '–';
    const tables = p.tablesTotal == null ? '' : `${p.tablesDone} of ${p.tablesTotal} tables, `;
    const rows = fmtInt(p.rowsDone) + (p.rowsTotal == null ? '' : ' of ' + fmtInt(p.rowsTotal)) + ' rows';
    return (p.completed ? 'done: ' : 'running: ') + tables + rows;
  };
  const lagText = s => [s.lagMs == null ? null : fmtInt(s.lagMs) + ' ms',
    s.lagBytes == null ? null : fmtBytes(s.lagBytes) + ' WAL'].filter(Boolean).join(', ') || '–';
  const buttons = s => {
    const running = ['STARTING', 'SNAPSHOT', 'STREAMING'].includes(s.state);
    const path = '/cdc/connectors/' + encodeURIComponent(s.name);
    return [running ? h('button', {onclick: () => act('POST', path + '/pause')}, 'Pause')
      : h('button', {onclick: () => act('POST', path + '/resume')}, 'Resume'),
    h('button', {onclick: () => confirm(`Delete connector ${s.name}? Its topics stay.`) && act('DELETE', path)}, 'Delete')];
  };
  const show = (list, e) => {
    if (e) {
      body.replaceChildren(errorBox(e));
      return;
    }
    if (list.length === 0) {
      body.replaceChildren(h('section', {class: 'card'}, h('p', {class: 'empty'}, 'No connectors yet: create one below.')));
      return;
    }
    body.replaceChildren(...list.map(s => h('section', {class: 'card', 'data-connector': s.name},
      h('div', {class: 'card-head'}, h('h3', {}, s.name), h('span', {class: 'muted'}, s.type.toLowerCase()),
        h('span', {class: 'pill ' + (STATE_PILL[s.state] || 'off'), 'data-state': s.state}, s.state),
        h('span', {class: 'spacer'}), ...buttons(s)),
      s.error ? h('div', {class: 'error'}, s.error) : null,
      h('table', {class: 'grid'}, h('tbody', {},
        h('tr', {}, h('th', {}, 'Captured changes'), h('td', {class: 'num', 'data-captured': true}, fmtInt(s.capturedChanges)),
          h('th', {}, 'Duplicates dropped'), h('td', {class: 'num'}, fmtInt(s.duplicatesSkipped))),
        h('tr', {}, h('th', {}, 'Snapshot'), h('td', {}, snapshotText(s)), h('th', {}, 'Lag'), h('td', {}, lagText(s))),
        h('tr', {}, h('th', {}, 'Source position'), h('td', {class: 'mono'}, s.sourcePosition || '–'),
          h('th', {}, 'Captured position'), h('td', {class: 'mono'}, s.capturedPosition || '–')),
        h('tr', {}, h('th', {}, 'Last change'), h('td', {class: 'mono'}, s.lastChangeAt ? fmtTime(s.lastChangeAt) : '–'),
          h('th', {}, 'Topics'), h('td', {}, Object.entries(s.topics).map(([t, n]) =>
            h('div', {}, h('a', {href: '#/topics/' + encodeURIComponent(t)}, t), ' ', h('span', {class: 'muted'}, fmtInt(n)))))))))));
  };
  let stop = poll(() => api('/cdc/connectors'), show);
  refresh = () => {
    stop();
    stop = poll(() => api('/cdc/connectors'), show);
  };
  return () => stop();
}
