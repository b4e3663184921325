import { describeRealMlflow } from './realSuite.js';

// MLflow 2.x from PyPI (.venv/mlflow2, scripts/python/mlflow2.txt).
describeRealMlflow('mlflow2', /^2\.17\./);
