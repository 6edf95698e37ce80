// Describe: Maxout 6 -> 2, 3 pieces
// ExtraConstants: L1_Pieces = 3
// HasForward: True, HasBackward: True

// EmitForward
/// <summary>Layer 1 forward (maxout1): y[b, u] = max over the 3 pieces x[b, u, k].</summary>
private void Layer1Forward(int batch)
{
    global::NetGen.Kernels.Maxout.Forward(
        batch: batch,
        units: L1_Out,
        pieces: L1_Pieces,
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch));
}

// EmitBackward
/// <summary>Layer 1 backward (maxout1): each dy goes to the winning piece.</summary>
private void Layer1Backward(int batch)
{
    global::NetGen.Kernels.Maxout.Backward(
        batch: batch,
        units: L1_Out,
        pieces: L1_Pieces,
        x: Activation(L1_X, L1_In, batch),
        y: Activation(L1_Y, L1_Out, batch),
        dy: ActivationGradient(L1_Y, L1_Out, batch),
        dx: ActivationGradient(L1_X, L1_In, batch));
}

// EmitParameterTensors

// EmitFields
// EmitBufferTensors
// EmitOnnx
g.Node("Reshape", "maxout1/pieces", "dense0", g.Int64s("maxout1/pieces_shape", 0, 2, 3));
g.Node("MaxPool", "maxout1/max", "maxout1/pieces").Ints("kernel_shape", 3);
g.Node("Flatten", "maxout1", "maxout1/max").Int("axis", 1);
// returns maxout1