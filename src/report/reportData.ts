/**
 * What a training report shows, as plain JSON. train writes it as the parent run's `report.json`
 * beside `report.html`, so `fraudctl report --run ID` can render any run again (charts included:
 * their Vega-Lite specs carry their data). Fields a given fraudctl did not produce (a validation
 * window, intervals) are optional, and the report leaves them out.
 */
import type { Chart, FeatureImportance } from '../plots/chartSpecs.js';

/** 2: train | gap | validation | gap | test with refit; per-window rows; the promotion's p-value. */
export const REPORT_FORMAT = 2;

export interface ReportWindow {
  name: string;
  days: string[];
  rows: number;
  frauds: number;
}

export interface ReportTrial {
  trial: number;
  n_estimators: number;
  max_depth: number;
  metrics: Record<string, number | null | undefined>;
  fitSeconds: number;
  best: boolean;
}

export interface ReportMetrics {
  window: string;
  /** Rows evaluated (known-compromised cards dropped), their frauds, and the rows dropped. */
  rows: number;
  frauds: number;
  droppedRows: number;
  values: Record<string, number | null | undefined>;
  intervals?: Record<string, [number, number]>;
}

export interface ReportData {
  format: number;
  fraudctlVersion: string;
  createdAt: string;
  run: { runId: string; experimentId: string; experiment: string; trackingUri: string };
  settings: Record<string, string | number | boolean>;
  windows: ReportWindow[];
  trials: ReportTrial[];
  /** Metrics of the chosen model per window (validation, test, each test day), with 95 % [lo, hi] intervals where computed. */
  metrics: ReportMetrics[];
  /** k of card / transaction precision@k. */
  k: number;
  confusion: { threshold: number; tp: number; fp: number; fn: number; tn: number };
  importances: FeatureImportance[];
  decision: {
    registered?: { name: string; version: string };
    promoted?: boolean;
    reason: string;
    /** The promotion rule, its significance level and the one-sided DeLong p-value it rested on. */
    rule?: string;
    alpha?: number;
    pValue?: number | null;
    championVersion?: string | null;
    deltaAuc?: number | null;
    deltaAucCi95?: [number, number] | null;
  };
  charts: Chart[];
}
