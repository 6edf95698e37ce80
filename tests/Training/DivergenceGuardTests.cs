using NetGen.Optimizers;
using NetGen.Serialization;
using NetGen.Tests.Networks;
using NetGen.Training;

namespace NetGen.Tests.Training;

/// <summary>
/// The NaN/∞ guard: a non-finite gradient stops training before the update, names the first tensor (in backward
/// order) that went non-finite, tells the callbacks, and no checkpoint is written from the diverged state.
/// </summary>
public class DivergenceGuardTests
{
    /// <summary>Poisons one entry of one tensor's gradient at a chosen step (a stand-in for an overflowing layer).</summary>
    private sealed class PoisonGradient(string tensor, long atStep) : IGradientTransform
    {
        private long _calls;

        public double Apply(NetworkBase network, Span<float> gradients)
        {
            if (++_calls == atStep)
            {
                ParameterTensor t = network.ParameterTensors.Single(p => p.Name == tensor);
                gradients[t.Offset + (t.Length / 2)] = float.PositiveInfinity;
            }

            return 0;
        }
    }

    private sealed class DivergenceRecorder : TrainingCallback
    {
        public TrainingDivergedException? Seen { get; private set; }

        public override void OnTrainingDiverged(TrainingContext context, TrainingDivergedException exception) => Seen = exception;
    }

    [Theory]
    [InlineData("dense0.weight")]
    [InlineData("dense4.bias")]
    public void A_non_finite_gradient_stops_before_the_update_and_names_the_tensor(string tensor)
    {
        var data = Synthetic.Blobs(256, OracleMlp.InputFeatures, OracleMlp.OutputFeatures, seed: 3);
        var net = new OracleMlp(1);
        var recorder = new DivergenceRecorder();
        string folder = Path.Combine(Path.GetTempPath(), "netgen-diverge-" + Guid.NewGuid().ToString("N")[..8]);
        int stepsPerEpoch = 256 / 32;
        long poisonedStep = stepsPerEpoch + 3; // epoch 2, step 3

        // The parameters just before the poisoned step, from an identical run stopped there.
        var reference = new OracleMlp(1);
        var referenceTrainer = new Trainer(new TrainerOptions { Epochs = 2, BatchSize = 32, Seed = 5, GradientTransforms = [new PoisonGradient(tensor, long.MaxValue)], Callbacks = [new StopAfterSteps(poisonedStep - 1)] });
        Assert.Throws<OperationCanceledException>(() => referenceTrainer.Fit(reference, new Adam(1e-2f), data, null));

        var trainer = new Trainer(new TrainerOptions
        {
            Epochs = 3,
            BatchSize = 32,
            Seed = 5,
            GradientTransforms = [new PoisonGradient(tensor, poisonedStep)],
            Callbacks = [recorder, new CheckpointCallback(folder, everyEpochs: 1)],
        });

        try
        {
            var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(net, new Adam(1e-2f), data, null));
            Assert.Equal(tensor, ex.Tensor);
            Assert.Equal(2, ex.Epoch);
            Assert.Equal(3, ex.Batch);
            Assert.Contains(tensor, ex.Message);
            Assert.Same(ex, recorder.Seen);

            // The parameters are the last finite state, and the report says so; every layer output was finite.
            Assert.True(ex.Diagnosis!.ParametersFinite);
            Assert.Equal(-1, ex.Diagnosis.LayerIndex);
            Assert.Equal(poisonedStep - 1, ex.Diagnosis.LastAppliedStep);
            Assert.Contains($"This step's update was not applied: the network holds the parameters after step {poisonedStep - 1}'s update, all finite", ex.Message);
            Assert.Contains("the last finite state", ex.Message);

            // No update was applied for the poisoned step: the parameters equal the reference run's after step − 1.
            Assert.True(net.Parameters.SequenceEqual(reference.Parameters));

            // Only the completed first epoch was checkpointed; nothing from the diverged epoch.
            string[] files = Directory.GetFiles(folder);
            Assert.Single(files);
            Checkpoint saved = Checkpoint.Load(files[0]);
            Assert.Equal(1, saved.TrainingState!.CompletedEpochs);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>Throws out of the step loop after a number of steps (a way to stop a reference run mid-epoch).</summary>
    private sealed class StopAfterSteps(long steps) : TrainingCallback
    {
        public override void OnStepEnd(TrainingContext context)
        {
            if (context.Step == steps)
            {
                throw new OperationCanceledException("reference run stops here");
            }
        }
    }
}
