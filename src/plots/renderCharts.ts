/**
 * Chart specs → SVG (vega, from the Vega-Lite spec, no DOM) → PNG (resvg, at 2× for sharp text).
 * Text is drawn with the Inter font shipped in @fontsource/inter, never a system font, so a server
 * without a desktop renders the same pictures as a laptop.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import { CHART_FONT, type Chart } from './chartSpecs.js';
import { woffToSfnt } from './woffToSfnt.js';

export interface RenderedChart {
  name: string;
  title: string;
  svg: string;
  png: Buffer;
}

const FONT_FILES = ['@fontsource/inter/files/inter-latin-400-normal.woff', '@fontsource/inter/files/inter-latin-700-normal.woff'];

/** Vega-Lite → Vega → SVG string. */
export async function chartSvg(chart: Chart): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(chart.spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes the shipped font as TrueType files into dir (resvg reads sfnt files only) and returns their paths. */
export async function writeChartFonts(dir: string): Promise<string[]> {
  const require = createRequire(import.meta.url);
  return Promise.all(
    FONT_FILES.map(async (f, i) => {
      const path = join(dir, `font${i}.ttf`);
      await writeFile(path, woffToSfnt(await readFile(require.resolve(f))));
      return path;
    }),
  );
}

/** resvg's options: 2× zoom, white background, the shipped font only (never the machine's). */
export function rasterOptions(fontFiles: string[]): ResvgRenderOptions {
  return { fitTo: { mode: 'zoom', value: 2 }, background: 'white', font: { loadSystemFonts: false, fontFiles, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT } };
}

/** Renders every chart to SVG and PNG; the font is unpacked into a temp dir for resvg and removed. */
export async function renderCharts(charts: readonly Chart[]): Promise<RenderedChart[]> {
  const { Resvg } = await import('@resvg/resvg-js');
  const dir = await mkdtemp(join(tmpdir(), 'fraudctl-font-'));
  try {
    const options = rasterOptions(await writeChartFonts(dir));
    const out: RenderedChart[] = [];
    for (const chart of charts) {
      const svg = await chartSvg(chart);
      out.push({ name: chart.name, title: chart.title, svg, png: Buffer.from(new Resvg(svg, options).render().asPng()) });
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
