import { describeRealMlflow } from './realSuite.js';

// MLflow 3.x from PyPI (.venv/mlflow3, scripts/python/mlflow3.txt).
describeRealMlflow('mlflow3', /^3\./);
