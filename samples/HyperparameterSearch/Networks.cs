namespace NetGen.Samples.HyperparameterTuning;

// A dropout probability is an attribute argument, fixed when the network is compiled. To search over it, the same
// MLP (784-256-128-10, ReLU, dropout after each hidden layer) is declared once per probability, and the search
// chooses among them: dropout is a Choice of 0, 0.1, …, 0.5 rather than a continuous Uniform(0, 0.5).

/// <summary>The searched MLP without dropout (p = 0: the dropout layers copy their input).</summary>
[Network]
[Input(784)]
[Dense(256)] [ReLU] [Dropout(0f)]
[Dense(128)] [ReLU] [Dropout(0f)]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class MlpDropout00 { }

/// <summary>The searched MLP with dropout 0.1 after each hidden layer.</summary>
[Network]
[Input(784)]
[Dense(256)] [ReLU] [Dropout(0.1f)]
[Dense(128)] [ReLU] [Dropout(0.1f)]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class MlpDropout10 { }

/// <summary>The searched MLP with dropout 0.2 after each hidden layer.</summary>
[Network]
[Input(784)]
[Dense(256)] [ReLU] [Dropout(0.2f)]
[Dense(128)] [ReLU] [Dropout(0.2f)]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class MlpDropout20 { }

/// <summary>The searched MLP with dropout 0.3 after each hidden layer.</summary>
[Network]
[Input(784)]
[Dense(256)] [ReLU] [Dropout(0.3f)]
[Dense(128)] [ReLU] [Dropout(0.3f)]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class MlpDropout30 { }

/// <summary>The searched MLP with dropout 0.4 after each hidden layer.</summary>
[Network]
[Input(784)]
[Dense(256)] [ReLU] [Dropout(0.4f)]
[Dense(128)] [ReLU] [Dropout(0.4f)]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class MlpDropout40 { }

/// <summary>The searched MLP with dropout 0.5 after each hidden layer.</summary>
[Network]
[Input(784)]
[Dense(256)] [ReLU] [Dropout(0.5f)]
[Dense(128)] [ReLU] [Dropout(0.5f)]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class MlpDropout50 { }
