using NetGen.Generator.Emit;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Generator;

/// <summary>
/// Generated code keeps to 120-character lines: every verified snapshot (each network and emitter the snapshot tests
/// print), and the breaking rules of <see cref="LineWrap"/> on lines made long on purpose.
/// </summary>
public class GeneratedLineLengthTests
{
    [Fact]
    public void No_generated_line_of_the_snapshot_networks_exceeds_120_characters()
    {
        string folder = Path.Combine(Repository.Root(), "tests", "Generator", "Snapshots");
        string[] files = Directory.GetFiles(folder, "*.verified.cs");
        Assert.True(files.Length > 20, $"only {files.Length} snapshots found in {folder}");

        var longLines = new List<string>();
        foreach (string file in files)
        {
            string[] lines = File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Length > LineWrap.MaxLength)
                {
                    longLines.Add($"{Path.GetFileName(file)}:{i + 1}: {lines[i].Length} characters");
                }
            }
        }

        Assert.True(longLines.Count == 0, string.Join("\n", longLines));
    }

    [Fact]
    public void A_long_kernel_call_breaks_into_one_named_argument_per_line()
    {
        string call = "global::NetGen.Kernels.Softmax.Backward(batch: batch, features: L4_In, y: Activation(L4_Y, L4_Out, batch), "
            + "dy: ActivationGradient(L4_Y, L4_Out, batch), dx: ActivationGradient(L4_X, L4_In, batch));";

        string text = new CodeWriter().Line(call).ToString();

        Assert.Equal(
            """
            global::NetGen.Kernels.Softmax.Backward(
                batch: batch,
                features: L4_In,
                y: Activation(L4_Y, L4_Out, batch),
                dy: ActivationGradient(L4_Y, L4_Out, batch),
                dx: ActivationGradient(L4_X, L4_In, batch));

            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            text);
    }

    [Fact]
    public void A_long_fluent_chain_breaks_before_its_links_even_when_its_head_is_long()
    {
        string chain = "g.Node(\"Gather\", \"fracpool3/first_rows\", \"prelu2\", "
            + "g.Int64s(\"fracpool3/first_rows_index\", global::NetGen.Interop.OnnxIndices.RegionFirst(rows3))).Int(\"axis\", 2);";

        string text = new CodeWriter().Line(chain).ToString();

        Assert.Equal(
            """
            g.Node(
                "Gather", "fracpool3/first_rows", "prelu2",
                g.Int64s("fracpool3/first_rows_index", global::NetGen.Interop.OnnxIndices.RegionFirst(rows3)))
                .Int("axis", 2);

            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            text);
    }

    [Fact]
    public void Long_comments_wrap_at_words_and_short_lines_stay_as_they_are()
    {
        string words = string.Join(" ", Enumerable.Repeat("word", 40));

        string[] lines = new CodeWriter().Line("/// " + words).Line("int x = 1;").ToString().TrimEnd('\n').Split('\n');

        Assert.All(lines, l => Assert.True(l.Length <= LineWrap.MaxLength, l));
        Assert.All(lines.Take(lines.Length - 1), l => Assert.StartsWith("/// word", l, StringComparison.Ordinal));
        Assert.Equal(words, string.Join(" ", lines.Take(lines.Length - 1).Select(l => l.Substring(4))));
        Assert.Equal("int x = 1;", lines[^1]);
    }
}
