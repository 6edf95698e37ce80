using System;
using System.Linq;
using System.Reflection;

namespace NetGen.Tests.Generator;

/// <summary>
/// A generated network passes its layout (shapes, names, offsets, tensor tables) to <c>NetworkBase</c>, which derives
/// the totals, the per-layer parameter counts and the architecture text at run time; the generator computes the same
/// figures at compile time as the public constants of the class. Every generated network of this assembly is checked:
/// the two derivations are independent, so a disagreement in either fails here.
/// </summary>
public class NetworkLayoutTests
{
    public static TheoryData<Type> GeneratedNetworks()
    {
        var data = new TheoryData<Type>();
        foreach (Type type in typeof(NetworkLayoutTests).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(NetworkBase)) && !t.IsAbstract && !t.ContainsGenericParameters
                && t.GetField("Fingerprint", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true }
                && t.GetConstructor([typeof(int)]) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            data.Add(type);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GeneratedNetworks))]
    public void Runtime_derived_members_equal_the_generated_constants(Type type)
    {
        var net = (NetworkBase)Activator.CreateInstance(type, 0)!;

        Assert.Equal(Const<ulong>(type, "Fingerprint"), net.ArchitectureFingerprint);
        Assert.Equal(NetworkBase.Fnv1a(net.Architecture), net.ArchitectureFingerprint);
        Assert.Equal(Const<int>(type, "TotalParameters"), net.ParameterCount);
        Assert.Equal(net.ParameterCount, net.Layers.Sum(l => l.ParameterCount));
        Assert.Equal(net.ParameterCount, net.ParameterTensors.Sum(t => t.Length));
        Assert.Equal(Const<int>(type, "BufferCount"), net.Buffers.Length);
        Assert.Equal(Const<int>(type, "InputFeatures"), net.InputSize);
        Assert.Equal(net.InputSize, (int)net.InputShape.ElementCount);
        Assert.Equal(Const<int>(type, "OutputFeatures"), net.OutputSize);
        Assert.Equal(net.OutputSize, (int)net.Layers[^1].OutputShape.ElementCount);
        Assert.Equal(Enumerable.Range(0, net.Layers.Count), net.Layers.Select(l => l.Index));

        ModelFacts facts = net.Facts!.Value;
        Assert.Equal(Const<long>(type, "ForwardFlopsPerSample"), facts.ForwardFlopsPerSample);
        Assert.Equal(Const<long>(type, "BackwardFlopsPerSample"), facts.BackwardFlopsPerSample);
        Assert.Equal(Const<long>(type, "ActivationBytesPerSample"), facts.ActivationBytesPerSample);
        Assert.Equal(Const<long>(type, "ParameterBytes"), facts.ParameterBytes);
        Assert.Equal(Const<long>(type, "GradientBytes"), facts.GradientBytes);
    }

    [Theory]
    [MemberData(nameof(GeneratedNetworks))]
    public void Initialization_tables_write_every_parameter_and_buffer_and_repeat_for_a_seed(Type type)
    {
        var net = (NetworkBase)Activator.CreateInstance(type, 3)!;
        float[] first = net.Parameters.ToArray();
        net.Parameters.Fill(float.NaN);
        net.Buffers.Fill(float.NaN);

        net.InitializeParameters(3);

        Assert.DoesNotContain(net.Parameters.ToArray(), float.IsNaN);
        Assert.DoesNotContain(net.Buffers.ToArray(), float.IsNaN);
        Assert.Equal(first, net.Parameters.ToArray());
    }

    [Fact]
    public void Architecture_text_lists_input_then_each_layer_with_its_output_shape_and_parameters()
    {
        var net = new Networks.FashionMlp();

        Assert.Equal(
            "input 784; dense0 Dense -> 256 (200960 params); relu1 ReLU -> 256; dense2 Dense -> 128 (32896 params); "
            + "relu3 ReLU -> 128; dense4 Dense -> 10 (1290 params); softmax SoftmaxCrossEntropy -> 10",
            net.Architecture);
        Assert.Equal((784 * 256) + 256, net.Layers[0].ParameterCount);
        Assert.Equal(new TensorShape(256), net.Layers[0].OutputShape);
    }

    [Fact]
    public void Layer_tables_are_read_only()
    {
        var net = new Networks.FashionMlp();

        Assert.Throws<NotSupportedException>(() => ((System.Collections.Generic.IList<LayerInfo>)net.Layers)[0] = net.Layers[1]);
        Assert.Throws<NotSupportedException>(
            () => ((System.Collections.Generic.IList<ParameterTensor>)net.ParameterTensors)[0] = net.ParameterTensors[1]);
    }

    private static T Const<T>(Type type, string name)
        => (T)type.GetField(name, BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;
}
