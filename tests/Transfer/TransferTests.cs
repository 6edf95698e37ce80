using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Serialization;
using NetGen.Tests.Checkpoints;
using NetGen.Tests.Networks;
using NetGen.Tests.Training;
using NetGen.Training;
using NetGen.Transfer;

namespace NetGen.Tests.Transfer;

public class TransferTests
{
    private static readonly string[] FeatureTensors = ["dense0.weight", "bn1.weight", "bn1.bias", "dense3.weight", "dense3.bias"];

    private static PretrainedFeatureNet Pretrained()
    {
        var source = new PretrainedFeatureNet(seed: 1);
        Dataset train = Synthetic.Blobs(128, 12, 4, seed: 1);
        new Trainer(new TrainerOptions { Epochs = 2, BatchSize = 16, Seed = 3 }).Fit(source, new Adam(1e-2f), train, null);
        return source;
    }

    private static float[] Slice(NetworkBase net, string name)
    {
        ParameterTensor t = net.ParameterTensors.Single(x => x.Name == name);
        return net.Parameters.Slice(t.Offset, t.Length).ToArray();
    }

    private static float[] BufferSlice(NetworkBase net, string name)
    {
        ParameterTensor t = net.BufferTensors.Single(x => x.Name == name);
        return net.Buffers.Slice(t.Offset, t.Length).ToArray();
    }

    [Fact]
    public void Feature_layers_of_a_pretrained_network_are_copied_into_a_network_with_another_head()
    {
        PretrainedFeatureNet source = Pretrained();
        var target = new FineTunedNet(seed: 7);
        float[] headBefore = Slice(target, "dense5.weight");

        TransferReport report = TransferLearning.LoadMatching(target, source, skipMismatches: true);

        Assert.Equal([.. FeatureTensors, "bn1.running_mean", "bn1.running_var"], report.Copied.Select(c => c.TargetName));
        foreach (string name in FeatureTensors)
        {
            Assert.Equal(Slice(source, name), Slice(target, name));
        }

        Assert.Equal(BufferSlice(source, "bn1.running_var"), BufferSlice(target, "bn1.running_var"));
        Assert.NotEqual(new float[16], BufferSlice(target, "bn1.running_mean"));
        Assert.Equal(headBefore, Slice(target, "dense5.weight"));
        Assert.Equal(["dense5.weight", "dense5.bias"], report.Skipped.Select(s => s.TargetName));
        Assert.Contains("[3, 10]", report.Skipped[0].Reason);
        Assert.Contains("[4, 10]", report.Skipped[0].Reason);
        Assert.Contains("copied  dense0.weight [16, 12]", report.ToString());
    }

    [Fact]
    public void A_shape_mismatch_names_both_shapes_and_copies_nothing()
    {
        PretrainedFeatureNet source = Pretrained();
        var target = new FineTunedNet(seed: 7);
        float[] before = target.Parameters.ToArray();

        var e = Assert.Throws<ArgumentException>(() => TransferLearning.LoadMatching(target, source));

        Assert.Contains("'dense5.weight' has shape [3, 10] in the target but the source's 'dense5.weight' has shape [4, 10]", e.Message);
        Assert.Contains("'dense5.bias' has shape [3]", e.Message);
        Assert.Contains("skipMismatches", e.Message);
        Assert.Equal(before, target.Parameters.ToArray()); // not even the matching feature layers were copied
    }

    [Fact]
    public void The_layers_filter_limits_the_copy_to_the_chosen_layers()
    {
        PretrainedFeatureNet source = Pretrained();
        var target = new FineTunedNet(seed: 7);
        float[] dense3Before = Slice(target, "dense3.weight");

        TransferReport report = TransferLearning.LoadMatching(target, source, layers: layer => layer is "dense0" or "bn1");

        Assert.Equal(["dense0.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"], report.Copied.Select(c => c.TargetName));
        Assert.Equal(Slice(source, "dense0.weight"), Slice(target, "dense0.weight"));
        Assert.Equal(dense3Before, Slice(target, "dense3.weight"));
        Assert.Contains(report.Skipped, s => s.TargetName == "dense3.weight" && s.Reason.Contains("excluded by the layers filter"));
    }

    [Fact]
    public void Matching_by_position_pairs_tensors_whose_names_differ()
    {
        var source = new OracleMlp(seed: 1);
        var target = new ShiftedOracleMlp(seed: 2);

        TransferReport byName = TransferLearning.LoadMatching(target, source);
        Assert.Equal(["dense0.weight", "dense0.bias"], byName.Copied.Select(c => c.TargetName));

        TransferReport byPosition = TransferLearning.LoadMatching(target, source, TensorMatch.Position);
        Assert.Equal(6, byPosition.Copied.Count);
        Assert.Contains(byPosition.Copied, c => c.TargetName == "dense3.weight" && c.SourceName == "dense2.weight");
        Assert.Equal(source.Parameters.ToArray(), target.Parameters.ToArray());
    }

    [Fact]
    public void A_checkpoint_is_a_transfer_source_too()
    {
        using var dir = new TempDirectory();
        PretrainedFeatureNet source = Pretrained();
        string path = dir.File("pretrained.ngck");
        Checkpoint.Save(path, source);

        var fromNetwork = new FineTunedNet(seed: 7);
        var fromFile = new FineTunedNet(seed: 7);
        TransferLearning.LoadMatching(fromNetwork, source, skipMismatches: true);
        TransferReport report = TransferLearning.LoadMatching(fromFile, Checkpoint.Load(path), skipMismatches: true);

        Assert.Equal(7, report.Copied.Count);
        Assert.Equal(fromNetwork.Parameters.ToArray(), fromFile.Parameters.ToArray());
        Assert.Equal(fromNetwork.Buffers.ToArray(), fromFile.Buffers.ToArray());
    }

    [Fact]
    public void Frozen_layers_do_not_change_during_training_while_the_head_does()
    {
        var target = new FineTunedNet(seed: 7);
        TransferLearning.LoadMatching(target, Pretrained(), skipMismatches: true);
        var features = FeatureTensors.ToDictionary(n => n, n => Slice(target, n));
        float[] head = Slice(target, "dense5.weight");

        // Weight decay would shrink frozen weights if they were stepped at all.
        var optimizer = new ParameterGroupOptimizer(target, () => new Adam(weightDecay: 0.1f), 1e-2f, ParameterGroup.Freeze("dense0", "bn1", "dense3"));
        Dataset train = Synthetic.Blobs(96, 12, 3, seed: 4);
        new Trainer(new TrainerOptions { Epochs = 2, BatchSize = 16 }).Fit(target, optimizer, train, null);

        foreach ((string name, float[] before) in features)
        {
            Assert.Equal(Bits.Of(before), Bits.Of(Slice(target, name)));
        }

        Assert.NotEqual(head, Slice(target, "dense5.weight"));
        Assert.Equal(["frozen", "default"], optimizer.Groups.Select(g => g.Name));
        Assert.Equal(FeatureTensors, optimizer.Groups[0].TensorNames);
        Assert.Null(optimizer.Groups[0].Optimizer);
        Assert.Equal(12, optimizer.StepCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_group_steps_at_its_own_learning_rate(bool scattered)
    {
        // Group "a" is contiguous (dense0 + bn1) or scattered (dense0 + dense3, with bn1 between them: gathered and scattered back).
        var net = new FineTunedNet(seed: 3);
        string[] a = scattered ? ["dense0", "dense3"] : ["dense0", "bn1"];
        var optimizer = new ParameterGroupOptimizer(
            net,
            () => new Sgd(),
            learningRate: 0.5f,
            ParameterGroup.ForLayers("a", a),
            new ParameterGroup("b", t => t.Name.StartsWith("bn1", StringComparison.Ordinal) || t.Name.StartsWith("dense3", StringComparison.Ordinal)) { LearningRateMultiplier = 0.1f });
        Dataset batch = Synthetic.Blobs(16, 12, 3, seed: 5);
        net.Mode = NetworkMode.Training;
        net.Forward(batch.Features, batch.Count);
        net.ZeroGradients();
        net.Backward(batch.Labels);
        float[] p0 = net.Parameters.ToArray();
        float[] g = net.Gradients.ToArray();

        optimizer.Step(net.Parameters, g);

        var multiplier = new Dictionary<string, float> { ["dense5"] = 1f };
        foreach (string layer in new[] { "dense0", "bn1", "dense3" })
        {
            multiplier[layer] = a.Contains(layer) ? 1f : 0.1f;
        }

        int checkedValues = 0;
        foreach (ParameterTensor t in net.ParameterTensors)
        {
            float rate = 0.5f * multiplier[t.Name[..t.Name.IndexOf('.')]];
            for (int i = t.Offset; i < t.Offset + t.Length; i++)
            {
                if (Math.Abs(g[i]) > 1e-4f)
                {
                    float step = (p0[i] - net.Parameters[i]) / g[i];
                    Assert.True(Math.Abs(step - rate) <= 1e-3f * rate, $"{t.Name}[{i - t.Offset}] moved by {step}·g, expected {rate}·g");
                    checkedValues++;
                }
            }
        }

        Assert.True(checkedValues > 100, $"only {checkedValues} gradients were large enough to check");
    }

    [Fact]
    public void Group_optimizer_state_round_trips_through_a_checkpoint()
    {
        using var dir = new TempDirectory();
        Dataset train = Synthetic.Blobs(64, 12, 3, seed: 4);
        ParameterGroupOptimizer Make(NetworkBase n) => new(n, () => new Adam(), 1e-2f,
            ParameterGroup.Freeze("dense0"),
            ParameterGroup.ForLayers("middle", "bn1", "dense5") with { LearningRateMultiplier = 0.5f });

        var net = new FineTunedNet(seed: 1);
        ParameterGroupOptimizer optimizer = Make(net);
        new Trainer(new TrainerOptions { Epochs = 1, BatchSize = 16 }).Fit(net, optimizer, train, null);
        string path = dir.File("groups.ngck");
        Checkpoint.Save(path, net, optimizer);

        var fresh = new FineTunedNet(seed: 2);
        ParameterGroupOptimizer restored = Make(fresh);
        Checkpoint.Load(path).Restore(fresh, restored);

        OptimizerState a = optimizer.GetState(), b = restored.GetState();
        Assert.Equal(["middle/exp_avg", "middle/exp_avg_sq", "default/exp_avg", "default/exp_avg_sq"], b.Names);
        Assert.Equal(a.StepCount, b.StepCount);
        for (int k = 0; k < a.Buffers.Count; k++)
        {
            Assert.Equal(a.Buffers[k], b.Buffers[k]);
        }

        // Continuing both gives the same parameters.
        new Trainer(new TrainerOptions { Epochs = 1, BatchSize = 16, Seed = 9 }).Fit(net, optimizer, train, null);
        new Trainer(new TrainerOptions { Epochs = 1, BatchSize = 16, Seed = 9 }).Fit(fresh, restored, train, null);
        Assert.Equal(Bits.Of(net.Parameters), Bits.Of(fresh.Parameters));

        // Another grouping does not fit, and says so.
        var other = new ParameterGroupOptimizer(new FineTunedNet(), () => new Adam(), 1e-2f);
        Assert.Contains("default/exp_avg", Assert.Throws<ArgumentException>(() => Checkpoint.Load(path).Restore(new FineTunedNet(), other)).Message);
    }
}
