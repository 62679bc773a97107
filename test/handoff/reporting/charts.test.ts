import { barChart, COLOURS, escapeXml, heatMap, lineChart, niceTop, shadeOf } from '../../../handoff/reporting/charts';

const count = (svg: string, pattern: RegExp) => svg.match(new RegExp(pattern, 'g'))?.length ?? 0;

describe('SVG charts', () => {
  it('are images named by their title and described by their description, with text escaped', () => {
    const svg = barChart({ id: 'c1', title: 'Reasons <by> "why"', description: 'Bars & more', bars: [{ label: '<script>', value: 1 }] });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="chart" id="c1" role="img" aria-labelledby="c1-title c1-desc" /);
    expect(svg).toContain('<title id="c1-title">Reasons &lt;by&gt; &quot;why&quot;</title><desc id="c1-desc">Bars &amp; more</desc>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).not.toContain('<script>');
    // Presentation attributes only: the console's CSP allows no inline styles.
    expect(svg).not.toContain('style=');
  });

  it('draw a line per series with a point per label, on an axis from 0 to a round top', () => {
    const svg = lineChart({
      id: 'daily',
      title: 't',
      description: 'd',
      labels: ['1 Dec', '2 Dec', '3 Dec'],
      series: [
        { name: 'Conversations', values: [3, 9, 0], colour: COLOURS.blue },
        { name: 'Contained', values: [1, 5, 0], colour: COLOURS.green, dash: '7 4' },
      ],
    });
    expect(count(svg, /<polyline class="series"/)).toBe(2);
    expect(count(svg, /<circle /)).toBe(6);
    expect(count(svg, /stroke-dasharray="7 4"/)).toBe(2); // the line and its key
    // Top 12 (9 rounded up to 4 steps of 3): the 9 sits three quarters up, the 0s on the axis.
    const [conversations] = svg.match(/points="([^"]+)"/)!.slice(1);
    const ys = conversations!.split(' ').map((p) => Number(p.split(',')[1]));
    expect(ys[2]).toBe(236); // top 36 + plot height 200
    expect(ys[1]).toBe(86); // 236 − 9/12 × 200
    expect(svg).toContain('>12</text>');
  });

  it('draw bars as long as their values, the longest for the most', () => {
    const svg = barChart({ id: 'b', title: 't', description: 'd', bars: [{ label: 'a', value: 4 }, { label: 'b', value: 1 }, { label: 'c', value: 0 }] });
    const widths = [...svg.matchAll(/class="bar" [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toEqual([370, 92.5, 0]);
  });

  it('draw a heat map cell per row and column, darker for more', () => {
    const values = [
      [0, 1, 2],
      [4, 0, 0],
    ];
    const svg = heatMap({ id: 'h', title: 't', description: 'd', rows: ['Mon', 'Tue'], columns: ['00', '01', '02'], values });
    const fills = [...svg.matchAll(/class="cell" [^>]*fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    expect(fills).toEqual([shadeOf(0, 4), shadeOf(1, 4), shadeOf(2, 4), shadeOf(4, 4), shadeOf(0, 4), shadeOf(0, 4)]);
    expect(svg).toContain('More (most: 4)');
  });

  it.each([
    [0, 4],
    [3, 4],
    [4, 4],
    [9, 12],
    [10, 12],
    [37, 40],
    [100, 100],
    [101, 200],
  ])('round %i up to an axis top of %i', (max, top) => {
    expect(niceTop(max)).toBe(top);
  });

  it('shade nothing lightest and the most darkest', () => {
    expect(shadeOf(0, 10)).toBe('#f3f2f1');
    expect(shadeOf(10, 10)).toBe('#003078');
    expect(shadeOf(1, 10)).toBe('#d2e2f1');
  });

  it('escape the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
