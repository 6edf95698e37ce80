using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.ComponentModel;
using System.Text;

namespace NetGen;

/// <summary>
/// The generated network described as data: a generated class builds one <see cref="NetworkLayout"/> in a static field
/// (its shapes, names, arena offsets and tensor tables) and passes it to the base constructor, and the members that
/// only report those facts (<see cref="InputSize"/>, <see cref="Layers"/>, <see cref="ParameterTensors"/>,
/// <see cref="Architecture"/>, <see cref="Facts"/>, the loss head, batch-norm folding, …) are written once here instead
/// of in every generated file. Totals (parameter and buffer counts, per-layer parameter counts, the architecture text
/// and its fingerprint) are derived from the tables.
/// </summary>
public abstract partial class NetworkBase
{
    private readonly NetworkLayout? _layout;

    /// <summary>Creates the buffers of a generated network from its layout; called by the generated constructor.</summary>
    /// <param name="layout">The network's layout, one static instance per generated class.</param>
    /// <param name="seed">Seeds <see cref="Random"/>, the source of dropout masks and other training-time randomness.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected NetworkBase(NetworkLayout layout, int seed = 0)
        : this(
            (layout ?? throw new ArgumentNullException(nameof(layout))).ParameterCount,
            layout.ArenaFloatsPerSample,
            layout.BufferCount,
            layout.ScratchFloats,
            seed)
    {
        _layout = layout;
    }

    /// <summary>The layout of a generated network; throws for a hand-written subclass, which overrides the members instead.</summary>
    private NetworkLayout RequireLayout()
        => _layout ?? throw new NotSupportedException($"{GetType().Name} has no generated layout; it must override this member.");

    /// <summary>
    /// A generated network as data: input shape, per layer its name, kind, output shape and arena offset, the parameter
    /// and buffer tensor tables, the loss head and the batch-norm pairs folded for inference. Built once per generated
    /// class; everything the tables determine (totals, the architecture text) is computed here, not emitted.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected sealed class NetworkLayout
    {
        private readonly Fold[] _folds;
        private readonly Tensor[] _parameters;
        private readonly Layer[] _layers;
        private readonly Tensor[] _buffers;

        /// <summary>Describes a generated network; the arguments are the generator's compile-time constants.</summary>
        /// <param name="inputShape">The shape of one input sample.</param>
        /// <param name="arenaFloatsPerSample">The floats the activation arena needs per sample.</param>
        /// <param name="scratchFloats">Temporary floats the kernels need per thread, independent of the batch size.</param>
        /// <param name="forwardFlopsPerSample">Forward FLOPs per sample (see <see cref="ModelFacts"/>).</param>
        /// <param name="backwardFlopsPerSample">Backward FLOPs per sample (see <see cref="ModelFacts"/>).</param>
        /// <param name="lossHead">The kind of the last layer, the loss head.</param>
        /// <param name="lossHeadInputOffset">The per-sample arena offset of the loss head's input.</param>
        /// <param name="layers">The layers in order (the input is not a layer).</param>
        /// <param name="parameters">The parameter tensors in buffer order: name, place, shape, role and how each starts.</param>
        /// <param name="buffers">The tensors of the non-learned buffers likewise, or null for none.</param>
        /// <param name="folds">The batch-norm pairs folded for inference, or null for none.</param>
        /// <param name="backwardWritesGradients">See <see cref="BackwardWritesGradients"/>; false clears the whole activation-gradient arena before each backward pass.</param>
        public NetworkLayout(
            TensorShape inputShape,
            int arenaFloatsPerSample,
            int scratchFloats,
            long forwardFlopsPerSample,
            long backwardFlopsPerSample,
            LossHeadKind lossHead,
            int lossHeadInputOffset,
            Layer[] layers,
            Tensor[] parameters,
            Tensor[]? buffers = null,
            Fold[]? folds = null,
            bool backwardWritesGradients = false)
        {
            ArgumentNullException.ThrowIfNull(layers);
            ArgumentNullException.ThrowIfNull(parameters);
            if (layers.Length == 0)
            {
                throw new ArgumentException("A network has at least one layer.", nameof(layers));
            }

            InputShape = inputShape;
            BackwardWritesGradients = backwardWritesGradients;
            ArenaFloatsPerSample = arenaFloatsPerSample;
            ScratchFloats = scratchFloats;
            ForwardFlopsPerSample = forwardFlopsPerSample;
            BackwardFlopsPerSample = backwardFlopsPerSample;
            InputSize = checked((int)inputShape.ElementCount);
            Layer last = layers[^1];
            OutputSize = checked((int)last.OutputShape.ElementCount);
            OutputOffset = last.OutputOffset;
            LossHead = new LossHead(lossHead, lossHeadInputOffset, last.OutputOffset, OutputSize);
            _parameters = (Tensor[])parameters.Clone();
            _buffers = (Tensor[])(buffers ?? []).Clone();
            ParameterTensors = Array.AsReadOnly(Array.ConvertAll(_parameters, t => t.Describe()));
            BufferTensors = Array.AsReadOnly(Array.ConvertAll(_buffers, t => t.Describe()));
            ParameterCount = End(_parameters);
            BufferCount = End(_buffers);
            _folds = (Fold[])(folds ?? []).Clone();
            foreach (Fold fold in _folds)
            {
                FoldedFloats = Math.Max(FoldedFloats, fold.FoldedBias + fold.Channels);
            }

            var infos = new LayerInfo[layers.Length];
            var offsets = new int[layers.Length];
            var architecture = new StringBuilder("input ").Append(Dimensions(inputShape));
            for (int i = 0; i < layers.Length; i++)
            {
                Layer layer = layers[i];
                int count = 0;
                foreach (Tensor tensor in _parameters)
                {
                    count += tensor.Layer == i ? tensor.Length : 0;
                }

                infos[i] = new LayerInfo(i, layer.Name, layer.Kind, layer.OutputShape, count);
                offsets[i] = layer.OutputOffset;
                architecture.Append("; ").Append(layer.Name).Append(' ').Append(layer.Kind).Append(" -> ").Append(Dimensions(layer.OutputShape));
                if (count > 0)
                {
                    architecture.Append(" (").Append(count).Append(" params)");
                }
            }

            // The gradient ranges ZeroGradients clears at once: the tensors of layers that only add to their gradients.
            _layers = (Layer[])layers.Clone();
            var added = new List<(long From, long To)>();
            foreach (Tensor tensor in _parameters)
            {
                if (!WritesGradient(tensor))
                {
                    AddRange(added, tensor.Offset, tensor.Offset + tensor.Length);
                }
            }

            GradientsAddedTo = added.ToArray();
            HasWrittenGradients = Array.Exists(layers, l => l.WritesParameterGradients);
            Layers = Array.AsReadOnly(infos);
            OutputOffsets = offsets;
            Architecture = architecture.ToString();
            Fingerprint = Fnv1a(Architecture);
        }

        /// <summary>The shape of one input sample.</summary>
        public TensorShape InputShape { get; }

        /// <summary>
        /// Whether the generated backward pass writes every activation-gradient buffer before adding to it (the first
        /// layer to reach a buffer overwrites it, or clears it just before), so that a backward pass needs to clear only
        /// the loss head's gradient, not the whole arena.
        /// </summary>
        public bool BackwardWritesGradients { get; }

        /// <summary>
        /// The ranges of the gradient buffer whose layers' backward passes only add to them (every tensor of a layer
        /// without <see cref="Layer.WritesParameterGradients"/>), contiguous tensors merged.
        /// </summary>
        internal (long From, long To)[] GradientsAddedTo { get; }

        /// <summary>Whether some layer writes its parameters' gradients after <see cref="ZeroGradients"/> (<see cref="Layer.WritesParameterGradients"/>).</summary>
        internal bool HasWrittenGradients { get; }

        /// <summary>
        /// Each of <paramref name="threads"/> threads' ranges of the parameter buffer for the update after a backward pass
        /// of <paramref name="batch"/> samples (<see cref="Kernels.UpdateSplit"/>): a dense layer's weight rows go to the
        /// thread whose block of the weight gradient computed them (<see cref="Kernels.Gemm.WeightGradientRowBlocks"/>),
        /// its bias to thread 0 (which sums it), and every other tensor (a weight whose gradient one thread computed
        /// too) is cut evenly, in whole cache lines, so that the update still runs on every thread.
        /// </summary>
        /// <remarks>
        /// A dense layer whose backward pass runs as two tasks (<see cref="Kernels.Dense.BackwardRunsAsTasks"/>) has all
        /// its weight gradient computed by the worker, but its rows are still split as the product would split them: the
        /// Fashion MLP's 256→128 layer on the worker's side made the update of the two threads uneven (132 K against
        /// 101 K parameters), and the 2-thread step's update took 68–102 µs against 62–78 µs with the rows split
        /// (medians of 1,500 steps, Zen 5), more than the gradients' crossing between the cores costs.
        /// </remarks>
        internal List<(long From, long To)>[] UpdateRanges(int batch, int threads)
        {
            var ranges = new List<(long From, long To)>[threads];
            for (int t = 0; t < threads; t++)
            {
                ranges[t] = [];
            }

            foreach (Tensor tensor in _parameters)
            {
                bool written = WritesGradient(tensor);
                if (written && tensor.Role == ParameterRole.Weight && tensor.Shape.Rank == 2
                    && Kernels.Gemm.WeightGradientRowBlocks(tensor.Shape[0], tensor.Shape[1], batch, threads) is { } rows)
                {
                    for (int t = 0; t < threads; t++)
                    {
                        AddRange(ranges[t], tensor.Offset + ((long)rows[t] * tensor.Shape[1]), tensor.Offset + ((long)rows[t + 1] * tensor.Shape[1]));
                    }
                }
                else if (written && tensor.Role == ParameterRole.Bias)
                {
                    AddRange(ranges[0], tensor.Offset, tensor.Offset + tensor.Length);
                }
                else
                {
                    long lines = (tensor.Length + 15) / 16;
                    for (int t = 0; t < threads; t++)
                    {
                        AddRange(ranges[t], tensor.Offset + Math.Min(tensor.Length, lines * t / threads * 16), tensor.Offset + Math.Min(tensor.Length, lines * (t + 1) / threads * 16));
                    }
                }
            }

            return ranges;
        }

        /// <summary>Whether the layer owning <paramref name="tensor"/> writes its gradient after <see cref="ZeroGradients"/>.</summary>
        private bool WritesGradient(Tensor tensor) =>
            tensor.Layer >= 0 && tensor.Layer < _layers.Length && _layers[tensor.Layer].WritesParameterGradients;

        /// <summary>Appends <c>[from, to)</c> to <paramref name="list"/>, merged with the last range where they touch; empty ranges are skipped.</summary>
        private static void AddRange(List<(long From, long To)> list, long from, long to)
        {
            if (from >= to)
            {
                return;
            }

            if (list.Count > 0 && list[^1].To == from)
            {
                list[^1] = (list[^1].From, to);
            }
            else
            {
                list.Add((from, to));
            }
        }

        /// <summary>Floats in one input sample.</summary>
        public int InputSize { get; }

        /// <summary>Floats in one output sample: the size of the last layer's output.</summary>
        public int OutputSize { get; }

        /// <summary>The per-sample arena offset of the network's output (the last layer's output).</summary>
        public int OutputOffset { get; }

        /// <summary>The floats the activation arena needs per sample.</summary>
        public int ArenaFloatsPerSample { get; }

        /// <summary>Temporary floats the kernels need per thread.</summary>
        public int ScratchFloats { get; }

        /// <summary>Forward FLOPs per sample.</summary>
        public long ForwardFlopsPerSample { get; }

        /// <summary>Backward FLOPs per sample.</summary>
        public long BackwardFlopsPerSample { get; }

        /// <summary>The learned parameters: where the last parameter tensor ends.</summary>
        public int ParameterCount { get; }

        /// <summary>The non-learned state values: where the last buffer tensor ends.</summary>
        public int BufferCount { get; }

        /// <summary>The floats the folded weights and biases take: where the last fold's bias ends (0 without folds).</summary>
        public int FoldedFloats { get; }

        /// <summary>The loss head: its kind, the offsets of its input and output, and its width.</summary>
        public LossHead LossHead { get; }

        /// <summary>The layers with their output shapes and parameter counts (counted from the parameter tensors).</summary>
        public IReadOnlyList<LayerInfo> Layers { get; }

        /// <summary>Per layer, the per-sample arena offset of its output.</summary>
        public IReadOnlyList<int> OutputOffsets { get; }

        /// <summary>The named parameter tensors in buffer order.</summary>
        public IReadOnlyList<ParameterTensor> ParameterTensors { get; }

        /// <summary>The named buffer tensors.</summary>
        public IReadOnlyList<ParameterTensor> BufferTensors { get; }

        /// <summary>Input shape, then per layer its name, kind, output shape and parameter count: what a checkpoint must match.</summary>
        public string Architecture { get; }

        /// <summary>The FNV-1a hash of <see cref="Architecture"/> (the generator's <c>Fingerprint</c> constant is the same value).</summary>
        public ulong Fingerprint { get; }

        /// <summary>The batch-norm pairs folded for inference.</summary>
        public ReadOnlySpan<Fold> Folds => _folds;

        /// <summary>
        /// Fills the parameters and buffers as their tensor rows say: each weight tensor draws from its own random stream
        /// (the layer's index), a scheme-drawn bias continues the stream of the weights before it (as PyTorch's
        /// <c>reset_parameters</c> does), and constant tensors fill.
        /// </summary>
        /// <param name="parameters">The network's parameters.</param>
        /// <param name="buffers">The network's buffers.</param>
        /// <param name="seed">The initialization seed.</param>
        internal void Initialize(Span<float> parameters, Span<float> buffers, int seed)
        {
            Rng? rng = null;
            foreach (Tensor row in _parameters)
            {
                Span<float> target = parameters.Slice(row.Offset, row.Length);
                if (row.SchemeBias)
                {
                    Initializers.FillBias(row.Scheme, target, row.FanIn, rng ?? new Rng(seed, stream: row.Layer));
                }
                else
                {
                    rng = new Rng(seed, stream: row.Layer);
                    Initializers.Fill(row.Scheme, target, row.FanIn, row.FanOut, row.Std, row.Value, rng);
                }
            }

            foreach (Tensor row in _buffers)
            {
                buffers.Slice(row.Offset, row.Length).Fill(row.Value);
            }
        }

        private static int End(Tensor[] tensors)
        {
            int end = 0;
            foreach (Tensor tensor in tensors)
            {
                end = Math.Max(end, tensor.Offset + tensor.Length);
            }

            return end;
        }

        private static string Dimensions(TensorShape shape) => string.Join("×", shape);

        /// <summary>One layer of a generated network.</summary>
        /// <param name="name">The layer's name, e.g. <c>dense0</c>.</param>
        /// <param name="kind">The layer kind as written in the declaration, e.g. <c>Dense</c>.</param>
        /// <param name="outputShape">The shape of one sample after the layer.</param>
        /// <param name="outputOffset">The per-sample arena offset of the layer's output.</param>
        /// <param name="writesParameterGradients">
        /// Whether the layer's generated backward writes its parameters' gradients, instead of adding to them, while
        /// <see cref="OverwriteParameterGradients"/> is true (the first backward pass after
        /// <see cref="ZeroGradients"/>), so that <see cref="ZeroGradients"/> need not clear them.
        /// </param>
        public sealed class Layer(string name, string kind, TensorShape outputShape, int outputOffset, bool writesParameterGradients = false)
        {
            /// <summary>Whether the layer's backward writes its parameters' gradients after <see cref="ZeroGradients"/> (see the constructor).</summary>
            public bool WritesParameterGradients { get; } = writesParameterGradients;

            /// <summary>The layer's name.</summary>
            public string Name { get; } = name;

            /// <summary>The layer kind.</summary>
            public string Kind { get; } = kind;

            /// <summary>The shape of one sample after the layer.</summary>
            public TensorShape OutputShape { get; } = outputShape;

            /// <summary>The per-sample arena offset of the layer's output.</summary>
            public int OutputOffset { get; } = outputOffset;
        }

        /// <summary>
        /// One parameter (or buffer) tensor: its PyTorch <c>state_dict</c> name, the layer that owns it, where it lives in
        /// the flat buffer, its shape and role, and how it starts: filled by <see cref="Initializers.Fill"/> with the
        /// scheme, drawing from the random stream numbered by the layer, or for a bias drawn by the scheme, by
        /// <see cref="Initializers.FillBias"/> continuing the weights' stream. A constant is the scheme
        /// <see cref="WeightInit.Constant"/> (the default) with <paramref name="value"/>.
        /// </summary>
        /// <param name="name">The tensor's name, e.g. <c>dense0.weight</c>.</param>
        /// <param name="layer">The index of the layer the tensor belongs to (its random stream).</param>
        /// <param name="offset">Offset of the tensor in the flat buffer.</param>
        /// <param name="shape">Its logical shape, outermost first; its length is the shape's element count.</param>
        /// <param name="role">What kind of tensor it is.</param>
        /// <param name="scheme">The initialization scheme.</param>
        /// <param name="fanIn">Inputs feeding one output (for the schemes that scale by it).</param>
        /// <param name="fanOut">Outputs fed by one input.</param>
        /// <param name="std">The standard deviation of <see cref="WeightInit.Gaussian"/>.</param>
        /// <param name="value">The value of <see cref="WeightInit.Constant"/>.</param>
        /// <param name="schemeBias">Whether this is a bias drawn by the scheme right after the layer's weights.</param>
        public sealed class Tensor(
            string name, int layer, int offset, TensorShape shape, ParameterRole role, WeightInit scheme = WeightInit.Constant,
            int fanIn = 0, int fanOut = 0, float std = 0.01f, float value = 0f, bool schemeBias = false)
        {
            /// <summary>The tensor's name.</summary>
            public string Name { get; } = name;

            /// <summary>The index of the layer the tensor belongs to.</summary>
            public int Layer { get; } = layer;

            /// <summary>Offset of the tensor in the flat buffer.</summary>
            public int Offset { get; } = offset;

            /// <summary>The tensor's logical shape.</summary>
            public TensorShape Shape { get; } = shape;

            /// <summary>The tensor's length: the element count of its shape.</summary>
            public int Length { get; } = checked((int)shape.ElementCount);

            /// <summary>What kind of tensor it is.</summary>
            public ParameterRole Role { get; } = role;

            /// <summary>The initialization scheme.</summary>
            public WeightInit Scheme { get; } = scheme;

            /// <summary>Inputs feeding one output.</summary>
            public int FanIn { get; } = fanIn;

            /// <summary>Outputs fed by one input.</summary>
            public int FanOut { get; } = fanOut;

            /// <summary>The standard deviation of the Gaussian scheme.</summary>
            public float Std { get; } = std;

            /// <summary>The constant value.</summary>
            public float Value { get; } = value;

            /// <summary>Whether this is a bias drawn by the scheme, continuing the weights' random stream.</summary>
            public bool SchemeBias { get; } = schemeBias;

            /// <summary>The public description of the tensor (<see cref="NetworkBase.ParameterTensors"/>).</summary>
            internal ParameterTensor Describe() => new(Name, Layer, Offset, Length, Shape, Role);
        }

        /// <summary>
        /// A batch norm folded into the dense or convolution layer before it for inference: where the layer's weights and
        /// bias, the batch norm's affine parameters and running statistics, and the folded weights live.
        /// </summary>
        /// <param name="layer">The index of the dense or convolution layer (its output is skipped by a folded pass).</param>
        /// <param name="channels">Output channels of the layer, the batch norm's channels.</param>
        /// <param name="fanIn">Weights per output channel.</param>
        /// <param name="epsilon">The batch norm's epsilon.</param>
        /// <param name="weights">Offset of the layer's weights in the parameters.</param>
        /// <param name="bias">Offset of the layer's bias in the parameters, or -1 for a layer without bias.</param>
        /// <param name="gamma">Offset of the batch norm's scale in the parameters.</param>
        /// <param name="beta">Offset of the batch norm's shift in the parameters.</param>
        /// <param name="runningMean">Offset of the running mean in the buffers.</param>
        /// <param name="runningVar">Offset of the running variance in the buffers.</param>
        /// <param name="foldedWeights">Offset of the folded weights in the folded buffer; the folded bias follows them.</param>
        public sealed class Fold(
            int layer, int channels, int fanIn, float epsilon, int weights, int bias, int gamma, int beta, int runningMean, int runningVar, int foldedWeights)
        {
            /// <summary>The index of the dense or convolution layer.</summary>
            public int Layer { get; } = layer;

            /// <summary>Output channels of the layer.</summary>
            public int Channels { get; } = channels;

            /// <summary>Weights per output channel.</summary>
            public int FanIn { get; } = fanIn;

            /// <summary>The batch norm's epsilon.</summary>
            public float Epsilon { get; } = epsilon;

            /// <summary>Offset of the layer's weights in the parameters.</summary>
            public int Weights { get; } = weights;

            /// <summary>Offset of the layer's bias in the parameters, or -1 for none.</summary>
            public int Bias { get; } = bias;

            /// <summary>Offset of the batch norm's scale in the parameters.</summary>
            public int Gamma { get; } = gamma;

            /// <summary>Offset of the batch norm's shift in the parameters.</summary>
            public int Beta { get; } = beta;

            /// <summary>Offset of the running mean in the buffers.</summary>
            public int RunningMean { get; } = runningMean;

            /// <summary>Offset of the running variance in the buffers.</summary>
            public int RunningVar { get; } = runningVar;

            /// <summary>Offset of the folded weights in the folded buffer.</summary>
            public int FoldedWeights { get; } = foldedWeights;

            /// <summary>Offset of the folded bias in the folded buffer, right after the folded weights.</summary>
            public int FoldedBias => FoldedWeights + (Channels * FanIn);
        }
    }
}
