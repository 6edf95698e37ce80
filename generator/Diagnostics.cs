using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace NetGen.Generator;

/// <summary>Every diagnostic NetGen reports, in one table. Each id has a section in docs/diagnostics.md.</summary>
internal static class Diagnostics
{
    private const string Category = "NetGen";

    public static readonly DiagnosticDescriptor NotPartial = Error(
        DiagnosticIds.NotPartial,
        "Network class must be partial",
        "Network class '{0}' must be declared 'partial' so that NetGen can generate its forward and backward code");

    public static readonly DiagnosticDescriptor MissingInput = Error(
        DiagnosticIds.MissingInput,
        "Network has no input shape",
        "Network '{0}' has no [Input(...)] layer; declare the shape of one sample first, e.g. [Input(784)]");

    public static readonly DiagnosticDescriptor InputNotFirst = Error(
        DiagnosticIds.InputNotFirst,
        "Input must be the first layer, once",
        "[Input] must be the first layer attribute and appear once, but it is layer attribute {0} of network '{1}'");

    public static readonly DiagnosticDescriptor InvalidInputDimension = Error(
        DiagnosticIds.InvalidInputDimension,
        "Input dimension must be positive",
        "Input dimension {0} is {1}; every dimension of the input shape must be positive");

    public static readonly DiagnosticDescriptor InvalidHyperparameter = Error(
        DiagnosticIds.InvalidHyperparameter,
        "Invalid layer hyperparameter",
        "{0} of [{1}] is {2}; it must be {3}");

    public static readonly DiagnosticDescriptor MissingLossHead = Error(
        DiagnosticIds.MissingLossHead,
        "Network has no loss head",
        "Network '{0}' must end with a loss head: add [SoftmaxCrossEntropy] or [MeanSquaredError] as the last layer");

    public static readonly DiagnosticDescriptor LossHeadNotLast = Error(
        DiagnosticIds.LossHeadNotLast,
        "Loss head must be the last layer",
        "[{0}] is a loss head and must be the last layer, but {1} layer(s) follow it");

    public static readonly DiagnosticDescriptor GenericNetwork = Error(
        DiagnosticIds.GenericNetwork,
        "Network class cannot be generic",
        "Network class '{0}' cannot be generic: every shape must be a compile-time constant");

    public static readonly DiagnosticDescriptor SplitDeclaration = Error(
        DiagnosticIds.SplitDeclaration,
        "Layer attributes split over several partial declarations",
        "Network '{0}' has layer attributes on more than one partial declaration, so the layer order is ambiguous; put all layer attributes on one declaration");

    public static readonly DiagnosticDescriptor NonPartialContainer = Error(
        DiagnosticIds.NonPartialContainer,
        "Containing type must be partial",
        "Network class '{0}' is nested in '{1}', which must also be declared 'partial'");

    public static readonly DiagnosticDescriptor UnsupportedLayer = Error(
        DiagnosticIds.UnsupportedLayer,
        "Layer kind not supported here",
        "[{0}] is not supported here (its input has shape {1}): {2}");

    public static readonly DiagnosticDescriptor SoftmaxTooFewClasses = Error(
        DiagnosticIds.SoftmaxTooFewClasses,
        "Softmax cross-entropy needs at least two outputs",
        "[SoftmaxCrossEntropy] follows a layer with {0} output(s); a classifier needs at least 2 classes");

    public static readonly DiagnosticDescriptor SpatialAfterFlat = Error(
        DiagnosticIds.SpatialAfterFlat,
        "Spatial layer after a flat one",
        "[{0}] needs a [channels, height, width] input, but the layer before it outputs the flat shape {1}");

    public static readonly DiagnosticDescriptor ResidualShapeMismatch = Error(
        DiagnosticIds.ResidualShapeMismatch,
        "Residual block changes the shape",
        "Residual block '{0}' maps its input shape {1} to {2}; a residual connection adds the input to the output, so both shapes must be equal");

    public static readonly DiagnosticDescriptor InvalidBlock = Error(
        DiagnosticIds.InvalidBlock,
        "Residual block is invalid",
        "Residual block '{0}' is invalid here: {1}");

    public static readonly DiagnosticDescriptor NotABlock = Error(
        DiagnosticIds.NotABlock,
        "Residual needs a [Block] class",
        "[Residual] needs a class marked [Block], but '{0}' {1}");

    public static readonly DiagnosticDescriptor TooLarge = Error(
        DiagnosticIds.TooLarge,
        "Network too large",
        "Network '{0}' needs more than 2^31 floats for its parameters or activations; reduce the layer sizes");

    public static readonly DiagnosticDescriptor NetworkIsRecord = Error(
        DiagnosticIds.NetworkIsRecord,
        "Network must be a class, not a record",
        "Network '{0}' is a record; declare it as 'partial class' (a network derives from NetGen.NetworkBase, which a record cannot)");

    public static readonly DiagnosticDescriptor StaticNetwork = Error(
        DiagnosticIds.StaticNetwork,
        "Network class cannot be static",
        "Network class '{0}' is static, but a network is created with 'new' and holds its parameters in an instance; remove 'static'");

    public static readonly DiagnosticDescriptor NetworkHasBaseClass = Error(
        DiagnosticIds.NetworkHasBaseClass,
        "Network class cannot declare a base class",
        "Network class '{0}' derives from '{1}', but NetGen makes every network derive from NetGen.NetworkBase; remove the base class (interfaces are fine) and hold the other object in a field");

    public static readonly DiagnosticDescriptor TooManyInlinedLayers = Error(
        DiagnosticIds.TooManyInlinedLayers,
        "Too many layers after inlining residual blocks",
        "Network '{0}' has {1} layers once its residual blocks are inlined (every use of a block copies its layers, so blocks that use other blocks several times multiply); the limit is {2}");

    public static readonly DiagnosticDescriptor ReservedClassName = Error(
        DiagnosticIds.ReservedClassName,
        "Network class has the name of a generated member",
        "Network class '{0}' has the name of a member NetGen generates in it ('{0}'), and a member cannot have the name of its class; rename the class");

    public static readonly DiagnosticDescriptor FileLocalNetwork = Error(
        DiagnosticIds.FileLocalNetwork,
        "Network class cannot be file-local",
        "Network class '{0}' is file-local ('file' on '{1}'), but NetGen generates the rest of the class in a file of its own, where a file-local type is not visible; remove 'file'");

    public static readonly DiagnosticDescriptor BiasBeforeBatchNorm = Warning(
        DiagnosticIds.BiasBeforeBatchNorm,
        "Bias before batch normalization is redundant",
        "[{0}] has a bias, but the [BatchNorm] right after it subtracts the mean and with it the bias; set Bias = false to drop {1} useless parameters");

    public static readonly DiagnosticDescriptor SigmoidHidden = new(
        DiagnosticIds.SigmoidHidden,
        "Sigmoid as a hidden activation",
        "Sigmoid as a hidden activation saturates (its gradient vanishes for large inputs) and its output is not zero-centred; ReLU (or tanh) usually trains faster",
        Category,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        helpLinkUri: HelpLink(DiagnosticIds.SigmoidHidden));

    public static readonly DiagnosticDescriptor XavierBeforeRelu = Warning(
        DiagnosticIds.XavierBeforeRelu,
        "Xavier initialization before a ReLU-family activation",
        "[{0}] uses {1} initialization but {2} follows it; Xavier assumes a linear or symmetric activation and lets ReLU activations shrink layer by layer; He initialization (WeightInit.He) is suggested");

    public static readonly DiagnosticDescriptor SoftmaxBeforeCrossEntropy = Warning(
        DiagnosticIds.SoftmaxBeforeCrossEntropy,
        "Softmax before a softmax cross-entropy head",
        "[Softmax] right before [SoftmaxCrossEntropy] applies softmax twice: the loss head already turns its inputs (the logits) into probabilities, so the probabilities are squashed again and the gradients shrink; remove [Softmax]");

    public static readonly DiagnosticDescriptor ActivationBeforeCrossEntropy = Warning(
        DiagnosticIds.ActivationBeforeCrossEntropy,
        "Activation on the logits of a softmax cross-entropy head",
        "[{0}] right before [SoftmaxCrossEntropy] limits the logits ({1}), so the classifier cannot become confident and learns slowly; end with the [Dense] layer that produces the logits");

    public static readonly DiagnosticDescriptor LargeInitStd = Warning(
        DiagnosticIds.LargeInitStd,
        "Initial weights with an absurd standard deviation",
        "InitStd = {0} on [{1}] draws weights far larger than any trainable network uses (He would give {2} for its {3} inputs); the activations overflow or saturate from the first batch; use a value of at most 1, or WeightInit.He/Xavier");

    public static readonly DiagnosticDescriptor InternalError = Error(
        DiagnosticIds.InternalError,
        "NetGen could not generate a network",
        "NetGen failed to generate network '{0}' ({1}); please report this as a bug");

    /// <summary>Every descriptor above, once (a test checks that none is missing and that the ids are distinct).</summary>
    public static readonly IReadOnlyList<DiagnosticDescriptor> All = new[]
    {
        NotPartial,
        MissingInput,
        InputNotFirst,
        InvalidInputDimension,
        InvalidHyperparameter,
        MissingLossHead,
        LossHeadNotLast,
        GenericNetwork,
        SplitDeclaration,
        NonPartialContainer,
        UnsupportedLayer,
        SoftmaxTooFewClasses,
        SpatialAfterFlat,
        ResidualShapeMismatch,
        InvalidBlock,
        NotABlock,
        TooLarge,
        NetworkIsRecord,
        StaticNetwork,
        NetworkHasBaseClass,
        TooManyInlinedLayers,
        ReservedClassName,
        FileLocalNetwork,
        BiasBeforeBatchNorm,
        SigmoidHidden,
        XavierBeforeRelu,
        SoftmaxBeforeCrossEntropy,
        ActivationBeforeCrossEntropy,
        LargeInitStd,
        InternalError,
    };

    private static readonly Dictionary<string, DiagnosticDescriptor> ById = All.ToDictionary(d => d.Id);

    /// <summary>The descriptor of an id NetGen reports; an id without one is a bug and throws rather than being dropped.</summary>
    public static DiagnosticDescriptor Find(string id)
        => ById.TryGetValue(id, out DiagnosticDescriptor? descriptor)
            ? descriptor
            : throw new KeyNotFoundException($"No diagnostic descriptor has the id '{id}'.");

    private static DiagnosticDescriptor Warning(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    private static DiagnosticDescriptor Error(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    private static string HelpLink(string id) => "docs/diagnostics.md#" + id.ToLowerInvariant();
}
