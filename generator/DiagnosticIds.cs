namespace NetGen.Generator;

/// <summary>Every diagnostic id as a named constant, so code compares ids by name (<c>d.Id == DiagnosticIds.TooLarge</c>).</summary>
internal static class DiagnosticIds
{
    /// <summary><c>NG0001</c>: see <see cref="Diagnostics.NotPartial"/>.</summary>
    public const string NotPartial = "NG0001";

    /// <summary><c>NG0002</c>: see <see cref="Diagnostics.MissingInput"/>.</summary>
    public const string MissingInput = "NG0002";

    /// <summary><c>NG0003</c>: see <see cref="Diagnostics.InputNotFirst"/>.</summary>
    public const string InputNotFirst = "NG0003";

    /// <summary><c>NG0004</c>: see <see cref="Diagnostics.InvalidInputDimension"/>.</summary>
    public const string InvalidInputDimension = "NG0004";

    /// <summary><c>NG0005</c>: see <see cref="Diagnostics.InvalidHyperparameter"/>.</summary>
    public const string InvalidHyperparameter = "NG0005";

    /// <summary><c>NG0006</c>: see <see cref="Diagnostics.MissingLossHead"/>.</summary>
    public const string MissingLossHead = "NG0006";

    /// <summary><c>NG0007</c>: see <see cref="Diagnostics.LossHeadNotLast"/>.</summary>
    public const string LossHeadNotLast = "NG0007";

    /// <summary><c>NG0008</c>: see <see cref="Diagnostics.GenericNetwork"/>.</summary>
    public const string GenericNetwork = "NG0008";

    /// <summary><c>NG0009</c>: see <see cref="Diagnostics.SplitDeclaration"/>.</summary>
    public const string SplitDeclaration = "NG0009";

    /// <summary><c>NG0010</c>: see <see cref="Diagnostics.NonPartialContainer"/>.</summary>
    public const string NonPartialContainer = "NG0010";

    /// <summary><c>NG0011</c>: see <see cref="Diagnostics.UnsupportedLayer"/>.</summary>
    public const string UnsupportedLayer = "NG0011";

    /// <summary><c>NG0012</c>: see <see cref="Diagnostics.SoftmaxTooFewClasses"/>.</summary>
    public const string SoftmaxTooFewClasses = "NG0012";

    /// <summary><c>NG0013</c>: see <see cref="Diagnostics.SpatialAfterFlat"/>.</summary>
    public const string SpatialAfterFlat = "NG0013";

    /// <summary><c>NG0014</c>: see <see cref="Diagnostics.ResidualShapeMismatch"/>.</summary>
    public const string ResidualShapeMismatch = "NG0014";

    /// <summary><c>NG0015</c>: see <see cref="Diagnostics.InvalidBlock"/>.</summary>
    public const string InvalidBlock = "NG0015";

    /// <summary><c>NG0016</c>: see <see cref="Diagnostics.NotABlock"/>.</summary>
    public const string NotABlock = "NG0016";

    /// <summary><c>NG0017</c>: see <see cref="Diagnostics.TooLarge"/>.</summary>
    public const string TooLarge = "NG0017";

    /// <summary><c>NG0018</c>: see <see cref="Diagnostics.NetworkIsRecord"/>.</summary>
    public const string NetworkIsRecord = "NG0018";

    /// <summary><c>NG0019</c>: see <see cref="Diagnostics.StaticNetwork"/>.</summary>
    public const string StaticNetwork = "NG0019";

    /// <summary><c>NG0020</c>: see <see cref="Diagnostics.NetworkHasBaseClass"/>.</summary>
    public const string NetworkHasBaseClass = "NG0020";

    /// <summary><c>NG0021</c>: see <see cref="Diagnostics.TooManyInlinedLayers"/>.</summary>
    public const string TooManyInlinedLayers = "NG0021";

    /// <summary><c>NG0022</c>: see <see cref="Diagnostics.ReservedClassName"/>.</summary>
    public const string ReservedClassName = "NG0022";

    /// <summary><c>NG0023</c>: see <see cref="Diagnostics.FileLocalNetwork"/>.</summary>
    public const string FileLocalNetwork = "NG0023";

    /// <summary><c>NG0101</c>: see <see cref="Diagnostics.BiasBeforeBatchNorm"/>.</summary>
    public const string BiasBeforeBatchNorm = "NG0101";

    /// <summary><c>NG0102</c>: see <see cref="Diagnostics.SigmoidHidden"/>.</summary>
    public const string SigmoidHidden = "NG0102";

    /// <summary><c>NG0103</c>: see <see cref="Diagnostics.XavierBeforeRelu"/>.</summary>
    public const string XavierBeforeRelu = "NG0103";

    /// <summary><c>NG0104</c>: see <see cref="Diagnostics.SoftmaxBeforeCrossEntropy"/>.</summary>
    public const string SoftmaxBeforeCrossEntropy = "NG0104";

    /// <summary><c>NG0105</c>: see <see cref="Diagnostics.ActivationBeforeCrossEntropy"/>.</summary>
    public const string ActivationBeforeCrossEntropy = "NG0105";

    /// <summary><c>NG0106</c>: see <see cref="Diagnostics.LargeInitStd"/>.</summary>
    public const string LargeInitStd = "NG0106";

    /// <summary><c>NG0999</c>: see <see cref="Diagnostics.InternalError"/>.</summary>
    public const string InternalError = "NG0999";
}
