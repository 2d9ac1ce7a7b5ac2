// Sync-block report: clicking a bubble, a timeline bar or a table row lists the blocks of that
// group with their heaviest stacks and a mini flamegraph of their merged samples.
// Every name comes from the profile and is untrusted: text is only ever set with textContent.
(function () {
  'use strict';
  const SVG = 'http://www.w3.org/2000/svg';
  const data = JSON.parse(document.getElementById('blocks-data').textContent);
  const detail = document.getElementById('detail');
  const groupOfBlock = new Map();
  data.groups.forEach((g, k) => g.blocks.forEach((b) => groupOfBlock.set(b, k)));

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svgEl(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  function ms(value) {
    if (value >= 1000) return (value / 1000).toFixed(2) + ' s';
    if (value >= 1) return value.toFixed(1) + ' ms';
    return (value * 1000).toFixed(1) + ' µs';
  }

  function frameText(frame) {
    if (!frame) return '(none)';
    const loc = data.names[frame[1]];
    return loc ? data.names[frame[0]] + ' (' + loc + ')' : data.names[frame[0]];
  }

  function areaBar(shares) {
    const bar = el('div', 'area-bar');
    shares.forEach((share, i) => {
      if (share <= 0) return;
      const part = el('span', 'area-part');
      part.style.width = (share * 100).toFixed(2) + '%';
      part.style.background = data.colours[i];
      part.title = data.areas[i] + ' ' + (share * 100).toFixed(1) + '%';
      bar.appendChild(part);
    });
    const text = shares
      .map((s, i) => [s, i])
      .filter(([s]) => s >= 0.005)
      .sort((a, b) => b[0] - a[0])
      .map(([s, i]) => data.areas[i] + ' ' + Math.round(s * 100) + '%')
      .join(', ');
    const wrap = el('div', 'areas');
    wrap.appendChild(bar);
    wrap.appendChild(el('span', 'area-text', text));
    return wrap;
  }

  function miniFlame(flame) {
    const width = 600;
    const row = 16;
    const height = Math.max(flame.depth, 1) * row;
    const svg = svgEl('svg', { class: 'mini-flame', viewBox: '0 0 ' + width + ' ' + height, width: '100%' });
    for (const [x, w, depth, name, area, loc, pct] of flame.rows) {
      const g = svgEl('g', { class: 'frame' });
      const title = svgEl('title');
      const where = data.names[loc] ? ' (' + data.names[loc] + ')' : '';
      title.textContent = data.names[name] + where + ': ' + pct + '%';
      g.appendChild(title);
      g.appendChild(svgEl('rect', {
        x: (x * width).toFixed(2), y: depth * row, width: Math.max(w * width - 0.5, 0.5).toFixed(2),
        height: row - 1, fill: data.colours[area], rx: 1.5,
      }));
      const room = Math.floor((w * width - 6) / 6.2);
      if (room >= 3) {
        const label = data.names[name];
        const text = svgEl('text', {
          x: (x * width + 3).toFixed(2), y: depth * row + 11.5, 'font-size': 10.5,
          style: 'fill: ' + (data.inks ? data.inks[area] : '#111'),
        });
        text.textContent = label.length > room ? label.slice(0, room - 1) + '…' : label;
        g.appendChild(text);
      }
      svg.appendChild(g);
    }
    return svg;
  }

  function blockItem(index, focus) {
    const b = data.blocks[index];
    const li = el('li', 'block' + (index === focus ? ' focus' : ''));
    li.dataset.block = index;
    const head = el('div', 'block-head');
    head.appendChild(el('strong', 'duration', ms(b.duration)));
    head.appendChild(document.createTextNode(' at ' + ms(b.start) + ' · ' + b.samples + ' samples' +
      (b.thread ? ' · ' + b.thread : '')));
    li.appendChild(head);
    li.appendChild(el('div', 'block-fns', 'entry ' + frameText(b.entry) + ' → hottest ' + frameText(b.hottest)));
    li.appendChild(areaBar(b.areas));
    const stack = el('details', 'stack');
    stack.open = index === focus;
    stack.appendChild(el('summary', null, 'heaviest stack (' + (b.stack.length + b.stackOmitted) + ' frames)'));
    const list = el('ol', 'frames');
    if (b.stackOmitted) list.appendChild(el('li', 'omitted', '… ' + b.stackOmitted + ' outer frames'));
    for (const f of b.stack) {
      const item = el('li', 'frame-line');
      const sw = el('span', 'swatch');
      sw.style.background = data.colours[f[2]];
      item.appendChild(sw);
      item.appendChild(el('span', 'fn', data.names[f[0]]));
      if (data.names[f[1]]) item.appendChild(el('span', 'loc', ' ' + data.names[f[1]]));
      list.appendChild(item);
    }
    stack.appendChild(list);
    li.appendChild(stack);
    return li;
  }

  function showGroup(k, focus) {
    const g = data.groups[k];
    document.querySelectorAll('.bubble.selected, .bar.selected, tr.selected')
      .forEach((n) => n.classList.remove('selected'));
    const bubble = document.querySelector('.bubble[data-group="' + k + '"]');
    if (bubble) bubble.classList.add('selected');
    for (const b of g.blocks) {
      document.querySelectorAll('[data-block="' + b + '"]').forEach((n) => n.classList.add('selected'));
    }
    detail.replaceChildren();
    const h = el('h2', 'group-name', g.name);
    detail.appendChild(h);
    if (g.location) detail.appendChild(el('p', 'loc', g.location));
    detail.appendChild(el('p', 'group-summary', g.blocks.length + ' block' + (g.blocks.length === 1 ? '' : 's') +
      ' · ' + ms(g.total) + ' blocked (grouped by ' + (data.groupBy === 'hot' ? 'hottest' : 'entry') + ' function)'));
    detail.appendChild(el('h3', null, 'Merged samples'));
    detail.appendChild(miniFlame(g.flame));
    detail.appendChild(el('h3', null, 'Blocks'));
    const list = el('ol', 'block-list');
    const order = g.blocks.slice().sort((a, b) => data.blocks[b].duration - data.blocks[a].duration || a - b);
    for (const b of order) list.appendChild(blockItem(b, focus));
    detail.appendChild(list);
  }

  function showBlock(index) {
    const k = groupOfBlock.get(index);
    if (k !== undefined) showGroup(k, index);
  }

  function activate(selector, attr, fn) {
    document.querySelectorAll(selector).forEach((node) => {
      const go = () => fn(Number(node.getAttribute(attr)));
      node.addEventListener('click', go);
      node.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); }
      });
    });
  }

  activate('.bubble', 'data-group', (k) => showGroup(k));
  activate('#timeline .bar', 'data-block', showBlock);
  activate('#longest tbody tr', 'data-block', showBlock);
})();
