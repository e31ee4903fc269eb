// Cairn console, Projections panel: read models in PostgreSQL (GET /api/projections, refreshed every 2 s while shown):
// state, generation, events/s, lag per partition, last error, rebuild progress (done of total, rate, time left),
// dead letters; buttons to rebuild, reset, resume (a partition stopped at a poison event) and replay. The helpers (h, api, poll, ...) come from console.js.

function fmtEta(s) {
  if (s < 0) return '–';
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

async function post(path) {
  const r = await fetch('/api' + path, {method: 'POST', headers: {Accept: 'application/json'}});
  const text = await r.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (e) {
    body = null;
  }
  if (!r.ok) throw new Error((body && (body.detail || body.title)) || 'HTTP ' + r.status);
  return body;
}

function statePill(h, state) {
  const kind = state === 'RUNNING' ? 'good' : state === 'STOPPED' ? 'bad' : state === 'CLOSED' ? 'off' : 'warn';
  return h('span', {class: 'pill ' + kind}, state.toLowerCase().replace(/_/g, ' '));
}

function rebuildBox(h, {fmtInt, fmtShort}, b) {
  if (!b) return null;
  const pct = b.total === 0 ? (b.state === 'DONE' ? 100 : 0) : Math.min(100, 100 * b.done / b.total);
  return h('div', {class: 'rebuild', 'data-rebuild-state': b.state},
    h('div', {}, h('strong', {}, 'Rebuild into generation ' + b.generation + ': '), b.state.toLowerCase(),
      ' — ', fmtInt(b.done), ' of ', fmtInt(b.total), ' events (', pct.toFixed(1), ' %)',
      b.state === 'BUILDING' ? ', ' + fmtShort(b.eventsPerSecond) + '/s, ' + fmtEta(b.etaSeconds) + ' left' : '',
      b.error ? h('span', {class: 'lagging'}, ' ' + b.error) : null),
    h('progress', {max: '100', value: String(pct.toFixed(1)), class: 'rebuild-progress', style: 'width: 100%'}));
}

function projectionCard(h, f, p, act) {
  return h('section', {class: 'card', 'data-projection': p.name},
    h('div', {class: 'card-head'}, h('h3', {}, p.name), statePill(h, p.state),
      h('span', {class: 'muted'}, 'generation ' + p.generation), h('span', {class: 'spacer'}),
      h('span', {class: 'big', 'data-rate': ''}, f.fmtShort(p.eventsPerSecond) + ' events/s'),
      h('span', {class: 'big'}, 'lag ' + f.fmtInt(p.lag)),
      h('button', {onclick: () => act('/projections/' + encodeURIComponent(p.name) + '/rebuild'),
        title: 'Build new tables from the start of the log while these serve, then switch'}, 'Rebuild'),
      p.state === 'STOPPED' ? h('button', {onclick: () => act('/projections/' + encodeURIComponent(p.name) + '/resume'),
        title: 'Try the event it stopped at again (after fixing its handler)'}, 'Resume') : null,
      h('button', {onclick: () => {
        if (confirm('Empty ' + p.name + ' and replay it from the start?')) act('/projections/' + encodeURIComponent(p.name) + '/reset');
      }}, 'Reset')),
    h('p', {class: 'muted'}, f.fmtInt(p.applied) + ' events applied since the server started'),
    p.lastError ? h('div', {class: 'error'}, 'Last error: ' + p.lastError) : null,
    rebuildBox(h, f, p.rebuild),
    p.partitions.length === 0 ? h('p', {class: 'empty'}, 'Its topics do not exist yet.') :
      h('table', {class: 'grid'},
        h('thead', {}, h('tr', {}, h('th', {}, 'Topic'), h('th', {class: 'num'}, 'Partition'),
          h('th', {class: 'num'}, 'Next offset'), h('th', {class: 'num'}, 'High watermark'), h('th', {class: 'num'}, 'Lag'),
          h('th', {}, ''))),
        h('tbody', {}, p.partitions.map(x => h('tr', {},
          h('td', {}, h('a', {href: '#/topics/' + encodeURIComponent(x.topic)}, x.topic)),
          h('td', {class: 'num'}, String(x.partition)), h('td', {class: 'num'}, f.fmtInt(x.nextOffset)),
          h('td', {class: 'num'}, f.fmtInt(x.endOffset)),
          h('td', {class: 'num' + (x.lag > 0 ? ' lagging' : '')}, f.fmtInt(x.lag)),
          h('td', {}, x.stopped ? h('span', {class: 'pill bad'}, 'stopped at a poison event') : ''))))));
}

function deadLettersCard(h, letters, act) {
  return h('section', {class: 'card', 'data-dead-letters': ''},
    h('div', {class: 'card-head'}, h('h3', {}, 'Dead letters'), h('span', {class: 'muted'}, letters.length + ' shown')),
    letters.length === 0 ? h('p', {class: 'empty'}, 'None: every event was applied.') :
      h('table', {class: 'grid'},
        h('thead', {}, h('tr', {}, h('th', {class: 'num'}, '#'), h('th', {}, 'Projection'), h('th', {}, 'Event'),
          h('th', {}, 'Key'), h('th', {}, 'Error'), h('th', {}, ''))),
        h('tbody', {}, letters.map(d => h('tr', {},
          h('td', {class: 'num'}, String(d.deadLetterOffset)), h('td', {}, d.projection),
          h('td', {class: 'mono'}, `${d.type || '?'} @ ${d.topic}-${d.partition}:${d.offset}`),
          h('td', {class: 'mono'}, d.key || ''), h('td', {}, d.error),
          h('td', {}, d.replayed ? h('span', {class: 'pill good'}, 'replayed') :
            h('button', {onclick: () => act('/projections/' + encodeURIComponent(d.projection) + '/dead-letters/'
              + d.deadLetterOffset + '/replay')}, 'Replay')))))));
}

/** The Projections view; returns its dispose function. */
export function projectionsView(root, f) {
  const {h, api, poll, errorBox} = f;
  const message = h('div', {});
  const body = h('div', {});
  root.append(h('div', {class: 'page-head'}, h('h2', {}, 'Projections'),
    h('p', {class: 'muted'}, 'Read models in PostgreSQL, each written with its consumed offsets in one transaction. '
      + 'Readers query the views; a rebuild fills new tables and switches the views atomically.')), message, body);
  const act = async path => {
    try {
      await post(path);
      message.replaceChildren(h('p', {class: 'muted'}, 'Done: POST ' + path));
    } catch (e) {
      message.replaceChildren(h('div', {class: 'error'}, 'POST ' + path + ': ' + e.message));
    }
  };
  return poll(async () => ({all: await api('/projections'), letters: await api('/projections/dead-letters?limit=50')
    .catch(() => [])}), (r, e) => {
    if (e) {
      body.replaceChildren(errorBox(e));
      return;
    }
    const all = r.all;
    const head = h('p', {class: 'muted', 'data-projections-state': all.state},
      'Runtime: ', statePill(h, all.state), ' ', all.detail);
    if (all.projections.length === 0) {
      body.replaceChildren(head, h('section', {class: 'card'}, h('p', {class: 'empty'}, 'No projections registered.')));
      return;
    }
    body.replaceChildren(head, ...all.projections.map(p => projectionCard(h, f, p, act)), deadLettersCard(h, r.letters, act));
  });
}
