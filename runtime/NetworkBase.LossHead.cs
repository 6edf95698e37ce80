using System;
using System.ComponentModel;

namespace NetGen;

/// <summary>
/// The loss head, written once here instead of in every generated file: a generated network names its head's kind and
/// input offset in its <see cref="NetworkLayout"/> (read through <see cref="LossHeadLayout"/>) and generates its layer
/// backwards (<see cref="Backpropagate"/>); loss and backward against labels or float targets run the head's kernels and
/// then back-propagate.
/// </summary>
public abstract partial class NetworkBase
{
    /// <summary>The kinds of loss head a generated network ends with.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected enum LossHeadKind
    {
        /// <summary>No head (a hand-written subclass overrides the loss members itself).</summary>
        None,

        /// <summary><c>[SoftmaxCrossEntropy]</c>: softmax over the logits, mean cross-entropy.</summary>
        SoftmaxCrossEntropy,

        /// <summary><c>[MeanSquaredError]</c>: the head's input is the output, mean squared error.</summary>
        MeanSquaredError,
    }

    /// <summary>Where the loss head reads and writes: its kind, the per-sample arena offsets of its input and output, and its width.</summary>
    /// <param name="Kind">The head's kind.</param>
    /// <param name="InputOffset">Per-sample arena offset of the head's input (the logits, or the prediction).</param>
    /// <param name="OutputOffset">Per-sample arena offset of the head's output (the probabilities after softmax cross-entropy).</param>
    /// <param name="Features">Floats per sample of the head's input and output.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected readonly record struct LossHead(LossHeadKind Kind, int InputOffset, int OutputOffset, int Features);

    /// <summary>The loss head of a generated network (from its layout); <see cref="LossHeadKind.None"/> for a hand-written one unless overridden.</summary>
    protected virtual LossHead LossHeadLayout => _layout?.LossHead ?? default;

    /// <summary>Back-propagates from the gradient of the loss head's input down to the first layer (generated).</summary>
    /// <param name="batch">The number of samples of the last forward pass.</param>
    protected virtual void Backpropagate(int batch) => throw new NotSupportedException($"{GetType().Name} has no generated backward pass.");

    /// <summary>The loss against class labels: see <see cref="Loss(ReadOnlySpan{int})"/>.</summary>
    /// <param name="labels">One class index per sample of the last batch.</param>
    /// <returns>The mean loss.</returns>
    protected virtual float LossCore(ReadOnlySpan<int> labels)
    {
        LossHead head = LossHeadLayout;
        int batch = CheckTargets(labels.Length, 1, nameof(labels));
        return head.Kind switch
        {
            LossHeadKind.SoftmaxCrossEntropy => Kernels.SoftmaxCrossEntropy.Forward(
                batch: batch, classes: head.Features, logits: HeadInput(head, batch), labels: labels),
            LossHeadKind.MeanSquaredError => Kernels.MeanSquaredError.Forward(
                batch: batch, outputs: head.Features, y: HeadInput(head, batch), labels: labels),
            _ => throw NoHead(),
        };
    }

    /// <summary>The loss against float targets: see <see cref="Loss(ReadOnlySpan{float})"/>.</summary>
    /// <param name="targets"><c>batchSize × OutputSize</c> targets.</param>
    /// <returns>The mean loss.</returns>
    protected virtual float LossCore(ReadOnlySpan<float> targets)
    {
        LossHead head = LossHeadLayout;
        int batch = CheckTargets(targets.Length, head.Features, nameof(targets));
        return head.Kind switch
        {
            LossHeadKind.SoftmaxCrossEntropy => Kernels.SoftmaxCrossEntropy.Forward(
                batch: batch, classes: head.Features, logits: HeadInput(head, batch), targets: targets),
            LossHeadKind.MeanSquaredError => Kernels.MeanSquaredError.Forward(
                count: batch * head.Features, y: HeadInput(head, batch), targets: targets),
            _ => throw NoHead(),
        };
    }

    /// <summary>
    /// The backward pass against class labels: see <see cref="Backward(ReadOnlySpan{int})"/>. Softmax cross-entropy:
    /// dlogits = (probabilities − onehot(labels)) / batch; mean squared error: dy = 2·(y − target) / (batch·features).
    /// </summary>
    /// <param name="labels">One class index per sample of the last batch.</param>
    protected virtual void BackwardCore(ReadOnlySpan<int> labels)
    {
        LossHead head = LossHeadLayout;
        int batch = BeginBackward(labels.Length, 1, nameof(labels));
        switch (head.Kind)
        {
            case LossHeadKind.SoftmaxCrossEntropy:
                Kernels.SoftmaxCrossEntropy.Backward(
                    batch: batch, classes: head.Features, probabilities: HeadOutput(head, batch), labels: labels, dLogits: HeadInputGradient(head, batch));
                break;
            case LossHeadKind.MeanSquaredError:
                Kernels.MeanSquaredError.Backward(
                    batch: batch, outputs: head.Features, y: HeadInput(head, batch), labels: labels, dy: HeadInputGradient(head, batch));
                break;
            default:
                throw NoHead();
        }

        Backpropagate(batch);
    }

    /// <summary>
    /// The backward pass against float targets: see <see cref="Backward(ReadOnlySpan{float})"/>. Softmax cross-entropy:
    /// dlogits = (probabilities·Σtargets − targets) / batch; mean squared error: dy = 2·(y − target) / (batch·features).
    /// </summary>
    /// <param name="targets"><c>batchSize × OutputSize</c> targets.</param>
    protected virtual void BackwardCore(ReadOnlySpan<float> targets)
    {
        LossHead head = LossHeadLayout;
        int batch = BeginBackward(targets.Length, head.Features, nameof(targets));
        switch (head.Kind)
        {
            case LossHeadKind.SoftmaxCrossEntropy:
                Kernels.SoftmaxCrossEntropy.Backward(
                    batch: batch, classes: head.Features, probabilities: HeadOutput(head, batch), targets: targets, dLogits: HeadInputGradient(head, batch));
                break;
            case LossHeadKind.MeanSquaredError:
                Kernels.MeanSquaredError.Backward(
                    count: batch * head.Features, y: HeadInput(head, batch), targets: targets, dy: HeadInputGradient(head, batch));
                break;
            default:
                throw NoHead();
        }

        Backpropagate(batch);
    }

    private Span<float> HeadInput(LossHead head, int batch) => Activation(head.InputOffset, head.Features, batch);

    private Span<float> HeadOutput(LossHead head, int batch) => Activation(head.OutputOffset, head.Features, batch);

    private Span<float> HeadInputGradient(LossHead head, int batch) => ActivationGradient(head.InputOffset, head.Features, batch);

    private NotSupportedException NoHead() => new($"{GetType().Name} declares no loss head; override the loss members.");
}
