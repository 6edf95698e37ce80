using NetGen;
namespace AbDriver;
[Network]
[Input(784)]
[Dense(256)] [ReLU]
[Dense(128)] [ReLU]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class Mlp { }

[Network]
[Input(1, 28, 28)]
[Conv2D(8, 5)] [ReLU] [MaxPool2D(2)]
[Conv2D(16, 5)] [ReLU] [MaxPool2D(2)]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class SmallCnn { }

[Network]
[Input(1, 28, 28)]
[Conv2D(32, 3, padding: 1, Bias = false)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Conv2D(64, 3, padding: 1, Bias = false)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Dense(128)] [ReLU] [Dropout(0.3f)]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class Cnn { }
