using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>
/// The Fashion-MNIST MLP written the usual TorchSharp way: three <c>nn.Linear</c> with ReLU between them, returning
/// logits. Its weights are copied from a NetGen network, whose [out × in] layout is torch's.
/// </summary>
public sealed class TorchFashionMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense0 = nn.Linear(784, 256);
    private readonly Linear dense2 = nn.Linear(256, 128);
    private readonly Linear dense4 = nn.Linear(128, 10);

    /// <summary>Creates the module with the parameters of <paramref name="source"/>.</summary>
    /// <param name="source">A NetGen network with parameter tensors named <c>dense0.weight</c> … <c>dense4.bias</c>.</param>
    public TorchFashionMlp(NetworkBase source) : base(nameof(TorchFashionMlp))
    {
        RegisterComponents();
        TorchTwin.CopyWeights(this, source);
    }

    /// <summary>The logits: dense4(relu(dense2(relu(dense0(x))))).</summary>
    /// <param name="x">A [batch × 784] input.</param>
    public override Tensor forward(Tensor x) =>
        dense4.forward(nn.functional.relu(dense2.forward(nn.functional.relu(dense0.forward(x)))));

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            dense0.Dispose();
            dense2.Dispose();
            dense4.Dispose();
        }

        base.Dispose(disposing);
    }
}
