// Describe: FractionalMaxPool2D 2×6×6 -> 2×4×4, ratio 1.5
// ExtraConstants: L0_InC = 2, L0_InH = 6, L0_InW = 6, L0_OutC = 2, L0_OutH = 4, L0_OutW = 4
// HasForward: True, HasBackward: False

// EmitForward
/// <summary>Layer 0 forward (fracpool0): max over pseudo-random regions (training) or fixed regions
/// (inference).</summary>
private void Layer0Forward(int batch)
{
    if (!TrainingForward || !FreezeRandomness)
    {
        // Training draws a fresh offset per pass (Graham 2014); inference uses the fixed offset 0.5.
        double u = TrainingForward ? Random.NextDouble() : 0.5;
        global::NetGen.Kernels.FractionalMaxPool2D.Regions(input: L0_InH, output: L0_OutH, u: u, boundaries: _l0Rows);
        global::NetGen.Kernels.FractionalMaxPool2D.Regions(
            input: L0_InW,
            output: L0_OutW,
            u: TrainingForward ? Random.NextDouble() : 0.5,
            boundaries: _l0Cols);
    }
    global::NetGen.Kernels.FractionalMaxPool2D.Forward(
        batch: batch,
        channels: L0_InC,
        height: L0_InH,
        width: L0_InW,
        outHeight: L0_OutH,
        outWidth: L0_OutW,
        rowBoundaries: _l0Rows,
        colBoundaries: _l0Cols,
        x: Activation(L0_X, L0_In, batch),
        y: Activation(L0_Y, L0_Out, batch));
}

// EmitBackward

// EmitParameterTensors

// EmitFields
// Layer 0 (fracpool0): the pooling region boundaries of the last forward pass (rows, columns).
private readonly int[] _l0Rows = new int[L0_OutH + 1], _l0Cols = new int[L0_OutW + 1];
// EmitBufferTensors
// EmitOnnx
int[] rows0 = global::NetGen.Interop.OnnxIndices.FractionalInferenceBoundaries(L0_InH, L0_OutH),
    cols0 = global::NetGen.Interop.OnnxIndices.FractionalInferenceBoundaries(L0_InW, L0_OutW);
g.Node(
    "Gather", "fracpool0/first_rows", "input",
    g.Int64s("fracpool0/first_rows_index", global::NetGen.Interop.OnnxIndices.RegionFirst(rows0)))
    .Int("axis", 2);
g.Node(
    "Gather", "fracpool0/last_rows", "input",
    g.Int64s("fracpool0/last_rows_index", global::NetGen.Interop.OnnxIndices.RegionLast(rows0)))
    .Int("axis", 2);
g.Node("Max", "fracpool0/rows", "fracpool0/first_rows", "fracpool0/last_rows");
g.Node(
    "Gather", "fracpool0/first_cols", "fracpool0/rows",
    g.Int64s("fracpool0/first_cols_index", global::NetGen.Interop.OnnxIndices.RegionFirst(cols0)))
    .Int("axis", 3);
g.Node(
    "Gather", "fracpool0/last_cols", "fracpool0/rows",
    g.Int64s("fracpool0/last_cols_index", global::NetGen.Interop.OnnxIndices.RegionLast(cols0)))
    .Int("axis", 3);
g.Node("Max", "fracpool0", "fracpool0/first_cols", "fracpool0/last_cols");
// returns fracpool0