namespace NetGen.Samples.FineTuning;

// Both networks share the feature layers conv0 (1 → 16 channels) and conv3 (16 → 32 channels) by name and shape; each
// has its own head dense7 (1568 → 64) and dense9 (64 → 5). The source learns classes 0–4 of Fashion-MNIST, the
// target classes 5–9 (relabelled 0–4). A CNN rather than an MLP: its convolution filters (edges, textures) carry over
// to the new classes, while an MLP's dense features of tops and trousers did not help with sandals and bags (see
// docs/demos.md).

/// <summary>The pretrained network: two convolution stages and a head for T-shirt/top, Trouser, Pullover, Dress, Coat.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(16, 3, padding: 1)] [ReLU] [MaxPool2D(2)]
[Conv2D(32, 3, padding: 1)] [ReLU] [MaxPool2D(2)]
[Dense(64)] [ReLU]
[Dense(5)] [SoftmaxCrossEntropy]
public partial class SourceCnn { }

/// <summary>The fine-tuned network: the same convolution stages and a new head for Sandal, Shirt, Sneaker, Bag, Ankle boot.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(16, 3, padding: 1)] [ReLU] [MaxPool2D(2)]
[Conv2D(32, 3, padding: 1)] [ReLU] [MaxPool2D(2)]
[Dense(64)] [ReLU]
[Dense(5)] [SoftmaxCrossEntropy]
public partial class TargetCnn { }
