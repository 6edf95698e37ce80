using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Serialization;
using NetGen.Tests.Checkpoints;
using NetGen.Tests.Networks;
using NetGen.Training;

namespace NetGen.Tests.Training;

/// <summary>A regressor without saturating activations: with a huge learning rate its parameters grow geometrically until a forward pass overflows.</summary>
[Network]
[Input(20)]
[Dense(8)] [LeakyReLU(0.1f)]
[Dense(5)] [MeanSquaredError]
public partial class ExplodingRegressor { }

/// <summary>
/// The divergence report: the first layer in forward order whose output went non-finite, the largest parameter, and
/// which update is already applied; and no checkpoint or early-stopping best is taken from a state whose loss is not finite.
/// </summary>
public class DivergenceReportTests
{
    private const int BatchSize = 16;

    /// <summary>Sets one parameter to NaN after a chosen step, as an update that overflowed would.</summary>
    private sealed class BreakParameterAfterStep(string tensor, long step) : TrainingCallback
    {
        public override void OnStepEnd(TrainingContext context)
        {
            if (context.Step == step)
            {
                context.Network.Parameters[context.Network.ParameterTensors.Single(t => t.Name == tensor).Offset] = float.NaN;
            }
        }
    }

    /// <summary>
    /// The first layer of <see cref="ExplodingRegressor"/> whose output, computed independently in double precision from
    /// the parameter tensors, does not fit in a float (overflow or NaN), or -1 when every output fits; and the largest
    /// squared error of the head's output, which overflows the float loss when it exceeds <see cref="float.MaxValue"/>.
    /// </summary>
    private static (int Layer, double LargestSquaredError) ReferenceForward(NetworkBase net, ReadOnlySpan<float> batch, ReadOnlySpan<int> labels)
    {
        int samples = labels.Length;
        ParameterTensor Tensor(int layer, ParameterRole role) => net.ParameterTensors.Single(t => t.LayerIndex == layer && t.Role == role);
        double[] Dense(double[] x, int layer)
        {
            ParameterTensor w = Tensor(layer, ParameterRole.Weight), b = Tensor(layer, ParameterRole.Bias);
            int outputs = w.Shape[0], inputs = w.Shape[1];
            var y = new double[samples * outputs];
            for (int s = 0; s < samples; s++)
            {
                for (int o = 0; o < outputs; o++)
                {
                    double sum = net.Parameters[b.Offset + o];
                    for (int i = 0; i < inputs; i++)
                    {
                        sum += (double)net.Parameters[w.Offset + (o * inputs) + i] * x[(s * inputs) + i];
                    }

                    y[(s * outputs) + o] = sum;
                }
            }

            return y;
        }

        static bool FitsFloat(double[] values) => values.All(v => !double.IsNaN(v) && Math.Abs(v) <= float.MaxValue);

        double[] input = batch.ToArray().Select(v => (double)v).ToArray();
        double[] dense0 = Dense(input, 0);
        double[] leaky = dense0.Select(v => v > 0 ? v : 0.1 * v).ToArray();
        double[] dense2 = Dense(leaky, 2);
        double[][] outputs = [dense0, leaky, dense2, dense2]; // the MSE head outputs its input
        double largestSquaredError = 0;
        int classes = dense2.Length / samples;
        for (int k = 0; k < dense2.Length; k++)
        {
            double error = dense2[k] - (labels[k / classes] == k % classes ? 1 : 0);
            largestSquaredError = Math.Max(largestSquaredError, error * error);
        }

        for (int i = 0; i < outputs.Length; i++)
        {
            if (!FitsFloat(outputs[i]))
            {
                return (i, largestSquaredError);
            }
        }

        return (-1, largestSquaredError);
    }

    private static (float Largest, string? Tensor) LargestParameter(NetworkBase net)
    {
        float largest = 0;
        string? where = null;
        foreach (ParameterTensor t in net.ParameterTensors)
        {
            foreach (float v in net.Parameters.Slice(t.Offset, t.Length))
            {
                if (Math.Abs(v) > largest)
                {
                    (largest, where) = (Math.Abs(v), t.Name);
                }
            }
        }

        return (largest, where);
    }

    [Fact]
    public void A_huge_learning_rate_names_the_first_overflowing_layer_the_largest_parameter_and_the_update_already_applied()
    {
        using var dir = new TempDirectory();
        Dataset train = Synthetic.Blobs(64, 20, 5, seed: 3);
        Dataset validation = Synthetic.Blobs(32, 20, 5, seed: 4);
        var net = new ExplodingRegressor(seed: 1);
        var best = new EarlyStopping(EarlyStoppingMonitor.ValidationLoss, patience: 3);
        var saver = new CheckpointCallback(dir.Path, keepLast: 0);
        var trainer = new Trainer(new TrainerOptions { Epochs = 4, BatchSize = BatchSize, Shuffle = false, Callbacks = [best, saver] });

        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(net, new Sgd(0.5f), train, validation));
        DivergenceDiagnosis d = ex.Diagnosis!;

        // The run: epoch 1 ends with finite but exploded parameters (validation loss +∞); epoch 2's first step overflows.
        Assert.Equal((2, 1, 5L), (ex.Epoch, ex.Batch, ex.Step));
        Assert.Equal(double.PositiveInfinity, ex.History.Epochs[0].ValidationLoss);

        // Against an independent double-precision forward of the same batch (no shuffling: samples 0..15): every
        // layer output still fits in a float, and the loss overflows.
        (int reference, double squaredError) = ReferenceForward(net, train.Features[..(BatchSize * 20)], train.Labels[..BatchSize]);
        Assert.Equal(-1, reference);
        Assert.True(squaredError > float.MaxValue);
        Assert.Equal((-1, null), (d.LayerIndex, d.LayerName));
        Assert.False(d.LossFinite);
        Assert.Contains("Every layer output of the forward pass is finite; the loss itself overflowed.", ex.Message);

        // The largest parameter and its tensor, computed here; the parameters are those after step 4's update.
        (float largest, string? where) = LargestParameter(net);
        Assert.True(largest > 1e10f, $"the parameters did not explode ({largest})");
        Assert.Equal((largest, where), (d.LargestParameterMagnitude, d.LargestParameterTensor));
        Assert.True(d.ParametersFinite);
        Assert.True(d.InputsFinite);
        Assert.Equal(4, d.LastAppliedStep);
        Assert.Contains("after step 4's update, which are finite but already exploded", ex.Message);
        Assert.Contains(where!, ex.Message);
        Assert.DoesNotContain("last finite state", ex.Message);

        // Epoch 1's state has an infinite validation loss: neither checkpointed nor kept as the best.
        Assert.Equal([1], saver.SkippedEpochs);
        Assert.Empty(Directory.GetFiles(dir.Path));
        Assert.Contains("its validation loss is Infinity", Assert.Single(ex.History.Warnings));
        Assert.Equal(0, best.BestEpoch);
        Assert.False(best.RestoreBest(net));
    }

    [Fact]
    public void A_larger_learning_rate_overflows_inside_the_network_and_the_first_such_layer_in_forward_order_is_named()
    {
        Dataset train = Synthetic.Blobs(64, 20, 5, seed: 3);
        var net = new ExplodingRegressor(seed: 1);
        var trainer = new Trainer(new TrainerOptions { Epochs = 2, BatchSize = BatchSize, Shuffle = false });

        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(net, new Sgd(10f), train, null));
        DivergenceDiagnosis d = ex.Diagnosis!;
        int first = (ex.Batch - 1) * BatchSize;
        (int reference, _) = ReferenceForward(net, train.Features.Slice(first * 20, BatchSize * 20), train.Labels.Slice(first, BatchSize));

        Assert.True(reference >= 1, $"the reference overflows in layer {reference}, not after a finite first layer");
        Assert.Equal((reference, net.Layers[reference].Name, net.Layers[reference].Kind), (d.LayerIndex, d.LayerName, d.LayerKind));
        Assert.Contains($"is {d.LayerName} (layer {reference}, {d.LayerKind})", ex.Message);
        Assert.Equal(LargestParameter(net), (d.LargestParameterMagnitude, d.LargestParameterTensor));
        Assert.Equal(ex.Step - 1, d.LastAppliedStep);
        Assert.Contains($"after step {ex.Step - 1}'s update, which are finite but already exploded", ex.Message);
    }

    [Fact]
    public void Checking_an_epoch_state_without_a_validation_set_leaves_the_run_bit_for_bit_unchanged()
    {
        // Without a validation set the state check runs a forward pass on the first training batch (inference mode)
        // every epoch; dropout, DropConnect, RReLU, stochastic depth and batch norm must not notice.
        Dataset train = Synthetic.Blobs(72, KitchenSinkNet.InputFeatures, 3, seed: 1, noise: 1.5f);
        TrainerOptions options = new() { Epochs = 3, BatchSize = 24, Seed = 17 };
        var plain = new KitchenSinkNet(seed: 5);
        new Trainer(options).Fit(plain, new Adam(3e-3f), train, null);

        using var dir = new TempDirectory();
        var checkedNet = new KitchenSinkNet(seed: 5);
        var saver = new CheckpointCallback(dir.Path, keepLast: 0);
        var best = new EarlyStopping(EarlyStoppingMonitor.TrainLoss, patience: 10, restoreBestWeights: false);
        new Trainer(options with { Callbacks = [saver, best] }).Fit(checkedNet, new Adam(3e-3f), train, null);

        Assert.Equal(3, saver.SavedPaths.Count); // every epoch was checked (and sound)
        Assert.Equal(Bits.Of(plain.Parameters), Bits.Of(checkedNet.Parameters));
        Assert.Equal(Bits.Of(plain.Buffers), Bits.Of(checkedNet.Buffers));
        Assert.Equal(plain.Random.NextUInt64(), checkedNet.Random.NextUInt64());
    }

    [Fact]
    public void An_update_that_left_NaN_is_named_and_its_state_is_neither_checkpointed_nor_kept_as_best()
    {
        using var dir = new TempDirectory();
        Dataset train = Synthetic.Blobs(64, OracleMlp.InputFeatures, OracleMlp.OutputFeatures, seed: 3);
        var net = new OracleMlp(seed: 1);
        var best = new EarlyStopping(EarlyStoppingMonitor.TrainLoss, patience: 5);
        var saver = new CheckpointCallback(dir.Path, keepLast: 0);

        // Step 8 is the last of epoch 2: its update leaves a NaN in dense2.weight; the epoch's training loss (measured
        // before each update) still improves, so only the state check keeps epoch 2 from becoming the best.
        var trainer = new Trainer(new TrainerOptions { Epochs = 4, BatchSize = BatchSize, Seed = 2, Callbacks = [new BreakParameterAfterStep("dense2.weight", 8), best, saver] });
        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(net, new Adam(1e-2f), train, null));
        DivergenceDiagnosis d = ex.Diagnosis!;

        Assert.Equal((3, 1, 9L), (ex.Epoch, ex.Batch, ex.Step));
        Assert.True(ex.History.Epochs[1].TrainLoss < ex.History.Epochs[0].TrainLoss, "epoch 2 did not improve the training loss");
        Assert.False(d.ParametersFinite);
        Assert.Equal("dense2.weight", d.FirstNonFiniteParameterTensor);
        Assert.Equal(net.ParameterTensors.Single(t => t.Name == "dense2.weight").LayerIndex, d.LayerIndex);
        Assert.Equal(8, d.LastAppliedStep);
        Assert.Contains("after step 8's update, which already hold NaN or infinity (first in dense2.weight", ex.Message);
        Assert.Contains("that update diverged, not this step", ex.Message);

        // Epoch 2 was neither saved nor kept: the best is epoch 1, whose checkpoint holds the same finite weights.
        Assert.Equal([2], saver.SkippedEpochs);
        Assert.Equal(1, best.BestEpoch);
        Assert.True(best.RestoreBest(net));
        Checkpoint epoch1 = Checkpoint.Load(saver.PathFor(1));
        Assert.Equal(Bits.Of(epoch1.Parameters), Bits.Of(net.Parameters));
        Assert.True(double.IsFinite(Trainer.Evaluate(net, train).Loss));
    }
}
