/** The part of ml-cart (a dev dependency, used as a single-tree oracle) the tests use; it ships no types. */
declare module 'ml-cart' {
  export class DecisionTreeClassifier {
    constructor(options?: { gainFunction?: 'gini'; maxDepth?: number; minNumSamples?: number; gainThreshold?: number });
    train(trainingSet: number[][], labels: number[]): void;
    predict(toPredict: number[][]): number[];
  }
}
