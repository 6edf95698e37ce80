using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>
/// The small CNN written the usual TorchSharp way (Conv2d, ReLU, MaxPool2d, Linear), with the weights of a NetGen
/// <see cref="SmallCnn"/>.
/// </summary>
public sealed class TorchSmallCnn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv0 = nn.Conv2d(1, 8, 5);
    private readonly Conv2d conv3 = nn.Conv2d(8, 16, 5);
    private readonly Linear dense7 = nn.Linear(256, 10);

    /// <summary>Creates the module with the parameters of <paramref name="source"/>.</summary>
    /// <param name="source">A NetGen <see cref="SmallCnn"/>.</param>
    public TorchSmallCnn(SmallCnn source) : base(nameof(TorchSmallCnn))
    {
        RegisterComponents();
        TorchTwin.CopyWeights(this, source);
    }

    /// <summary>The logits.</summary>
    /// <param name="x">A [batch × 1 × 28 × 28] input.</param>
    public override Tensor forward(Tensor x)
    {
        Tensor h = nn.functional.max_pool2d(nn.functional.relu(conv0.forward(x)), 2);
        h = nn.functional.max_pool2d(nn.functional.relu(conv3.forward(h)), 2);
        return dense7.forward(h.flatten(1));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv0.Dispose();
            conv3.Dispose();
            dense7.Dispose();
        }

        base.Dispose(disposing);
    }
}
