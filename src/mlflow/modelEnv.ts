/**
 * The environment files `mlflow.onnx.log_model` writes beside the model (conda.yaml,
 * python_env.yaml, requirements.txt), so `mlflow models serve` / `mlflow.pyfunc.load_model` can
 * rebuild an environment that loads it. Python MLflow pins what is installed in the logging process;
 * fraudctl has no Python, so it pins the set the integration suite loads the model with
 * (scripts/python/mlflow3.txt). Keep the two in step.
 */
export const MODEL_ENV = {
  mlflow: '3.17.2',
  python: '3.11.7',
  requirements: { numpy: '2.4.6', onnx: '1.23.2', onnxruntime: '1.32.0' },
  pip: '26.3',
  setuptools: '65.5.0',
} as const;

export const CONDA_FILE = 'conda.yaml';
export const PYTHON_ENV_FILE = 'python_env.yaml';
export const REQUIREMENTS_FILE = 'requirements.txt';

function pins(): string[] {
  return [`mlflow==${MODEL_ENV.mlflow}`, ...Object.entries(MODEL_ENV.requirements).map(([k, v]) => `${k}==${v}`)];
}

/** File name → content, byte for byte as MLflow formats them (yaml.safe_dump, "\n".join). */
export function modelEnvFiles(): Record<string, string> {
  return {
    [CONDA_FILE]: [
      'channels:',
      '- conda-forge',
      'dependencies:',
      `- python=${MODEL_ENV.python}`,
      `- pip<=${MODEL_ENV.pip}`,
      '- pip:',
      ...pins().map((p) => `  - ${p}`),
      'name: mlflow-env',
      '',
    ].join('\n'),
    [PYTHON_ENV_FILE]: [
      `python: ${MODEL_ENV.python}`,
      'build_dependencies:',
      `- pip==${MODEL_ENV.pip}`,
      `- setuptools==${MODEL_ENV.setuptools}`,
      '- wheel',
      'dependencies:',
      '- -r requirements.txt',
      '',
    ].join('\n'),
    [REQUIREMENTS_FILE]: pins().join('\n'),
  };
}
