namespace NetGen;

/// <summary>
/// A network's compile-time costs, computed by the generator (see the constants of the same names on each generated
/// class). FLOPs count 2 per multiply-add of dense and convolution layers, as PyTorch's <c>FlopCounterMode</c> does;
/// element-wise layers are not counted.
/// </summary>
/// <param name="ForwardFlopsPerSample">FLOPs of one sample's forward pass.</param>
/// <param name="BackwardFlopsPerSample">FLOPs of one sample's backward pass: weight gradients and input gradients (the network input needs none).</param>
/// <param name="ActivationBytesPerSample">Bytes of activations per sample; training keeps as many again for their gradients.</param>
/// <param name="ParameterBytes">Bytes of the learned parameters.</param>
/// <param name="GradientBytes">Bytes of the parameter gradients.</param>
public readonly record struct ModelFacts(
    long ForwardFlopsPerSample,
    long BackwardFlopsPerSample,
    long ActivationBytesPerSample,
    long ParameterBytes,
    long GradientBytes);
