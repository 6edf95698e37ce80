using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Data;
using NetGen.Tests.Infrastructure;

namespace NetGen.Tests.Data;

public class BatchLoaderTests
{
    private static List<int[]> EpochIndices(BatchLoader loader)
    {
        var batches = new List<int[]>();
        foreach (MiniBatch batch in loader.NextEpoch())
        {
            batches.Add(batch.Indices.ToArray());
        }

        return batches;
    }

    [Fact]
    public void Every_sample_appears_exactly_once_per_epoch_with_a_partial_last_batch()
    {
        Dataset d = DatasetTests.Indexed(103);
        var loader = new BatchLoader(d, 10, new Rng(1));
        Assert.Equal(11, loader.BatchesPerEpoch);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            var seen = new List<int>();
            int batches = 0;
            foreach (MiniBatch batch in loader.NextEpoch())
            {
                Assert.Equal(batches, batch.Index);
                Assert.Equal(batches < 10 ? 10 : 3, batch.Size);
                Assert.Equal(batch.Size * 3, batch.Features.Length);
                for (int j = 0; j < batch.Size; j++)
                {
                    int id = batch.Indices[j];
                    Assert.Equal(id, (int)batch.Features[3 * j]);
                    Assert.Equal(3 * id, (int)batch.Features[(3 * j) + 2]);
                    Assert.Equal(id % 3, batch.Labels[j]);
                    seen.Add(id);
                }

                batches++;
            }

            Assert.Equal(11, batches);
            Assert.Equal(Enumerable.Range(0, 103), seen.Order());
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_order_and_another_seed_a_different_one()
    {
        Dataset d = DatasetTests.Indexed(200);
        var a = new BatchLoader(d, 16, new Rng(42));
        var b = new BatchLoader(d, 16, new Rng(42));
        var c = new BatchLoader(d, 16, new Rng(43));

        int[] a1 = EpochIndices(a).SelectMany(x => x).ToArray();
        int[] b1 = EpochIndices(b).SelectMany(x => x).ToArray();
        int[] c1 = EpochIndices(c).SelectMany(x => x).ToArray();
        Assert.Equal(a1, b1);
        Assert.NotEqual(a1, c1);
        Assert.NotEqual(Enumerable.Range(0, 200), a1);

        // Each epoch is reshuffled, still reproducibly.
        int[] a2 = EpochIndices(a).SelectMany(x => x).ToArray();
        Assert.NotEqual(a1, a2);
        Assert.Equal(a2, EpochIndices(b).SelectMany(x => x).ToArray());
    }

    [Fact]
    public void Without_a_generator_the_dataset_order_is_kept()
    {
        Dataset d = DatasetTests.Indexed(25);
        var loader = new BatchLoader(d, 8, rng: null);
        Assert.False(loader.Shuffles);
        Assert.Equal(Enumerable.Range(0, 25), EpochIndices(loader).SelectMany(x => x));
    }

    [Fact]
    public void Batches_are_gathered_without_allocating_after_warm_up()
    {
        Dataset d = DatasetTests.Indexed(1000);
        var loader = new BatchLoader(d, 32, new Rng(3));
        float checksum = 0;
        AllocationAssert.None(() => checksum += Consume(loader), calls: 5, warmUp: 3);
        Assert.True(checksum > 0);
    }

    private static float Consume(BatchLoader loader)
    {
        float sum = 0;
        foreach (MiniBatch batch in loader.NextEpoch())
        {
            sum += batch.Features[0] + batch.Labels[batch.Size - 1];
        }

        return sum;
    }

    [Fact]
    public void Batch_larger_than_the_dataset_gives_one_batch()
    {
        Dataset d = DatasetTests.Indexed(5);
        var loader = new BatchLoader(d, 64, new Rng(0));
        List<int[]> batches = EpochIndices(loader);
        Assert.Single(batches);
        Assert.Equal(5, batches[0].Length);
    }
}
