using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>
/// The Fashion-MNIST CNN written the usual TorchSharp way (Conv2d, BatchNorm2d, ReLU, MaxPool2d, Linear, Dropout), with
/// the weights and running statistics of a NetGen <see cref="FashionCnn"/>.
/// </summary>
public sealed class TorchFashionCnn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv0 = nn.Conv2d(1, 32, 3, padding: 1, bias: false);
    private readonly BatchNorm2d bn1 = nn.BatchNorm2d(32);
    private readonly Conv2d conv4 = nn.Conv2d(32, 64, 3, padding: 1, bias: false);
    private readonly BatchNorm2d bn5 = nn.BatchNorm2d(64);
    private readonly Linear dense9 = nn.Linear(3136, 128);
    private readonly Dropout dropout11 = nn.Dropout(0.3);
    private readonly Linear dense12 = nn.Linear(128, 10);

    /// <summary>Creates the module with the parameters and buffers of <paramref name="source"/>.</summary>
    /// <param name="source">A NetGen <see cref="FashionCnn"/>.</param>
    public TorchFashionCnn(FashionCnn source) : base(nameof(TorchFashionCnn))
    {
        RegisterComponents();
        TorchTwin.CopyWeights(this, source);
    }

    /// <summary>The logits.</summary>
    /// <param name="x">A [batch × 1 × 28 × 28] input.</param>
    public override Tensor forward(Tensor x)
    {
        Tensor h = nn.functional.max_pool2d(nn.functional.relu(bn1.forward(conv0.forward(x))), 2);
        h = nn.functional.max_pool2d(nn.functional.relu(bn5.forward(conv4.forward(h))), 2);
        h = dropout11.forward(nn.functional.relu(dense9.forward(h.flatten(1))));
        return dense12.forward(h);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv0.Dispose();
            bn1.Dispose();
            conv4.Dispose();
            bn5.Dispose();
            dense9.Dispose();
            dropout11.Dispose();
            dense12.Dispose();
        }

        base.Dispose(disposing);
    }
}
