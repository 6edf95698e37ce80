using NetGen.Data;
using NetGen.Samples.HyperparameterTuning;
using NetGen.Tuning;
using Xunit.Abstractions;

namespace NetGen.Tests.Demonstrations;

/// <summary>The coarse-to-fine search on a tiny budget: 4 coarse and 2 fine trials of one epoch on 1,000 samples.</summary>
public class HyperparameterSearchTests(ITestOutputHelper output)
{
    [Fact]
    public void Search_writes_a_csv_that_parses_back_and_its_best_trial_beats_its_worst()
    {
        var settings = new SearchSettings { EpochsPerTrial = 1, TrainCount = 1000, ValidationCount = 500, CoarseTrials = 4, FineTrials = 2, TopK = 2, BatchSize = 32 };
        (Dataset train, Dataset validation) = SearchStudy.LoadData(settings);

        SearchOutcome outcome = SearchStudy.Run(train, validation, settings);

        SearchResults results = outcome.Results;
        output.WriteLine(results.Summary(top: 6));
        Assert.Equal(6, results.Count);
        Assert.Equal(["lr", "weight_decay", "dropout"], results.ParameterNames);

        // The fine trials were drawn from the narrowed space, whose ranges lie inside the coarse ones.
        foreach (TrialResult fine in results.Skip(settings.CoarseTrials))
        {
            foreach (string name in results.ParameterNames)
            {
                Assert.True(outcome.Fine[name].Contains(fine.Parameters[name]), $"trial {fine.Index}: {name} = {fine.Parameters[name]} outside {outcome.Fine[name]}");
                Assert.True(outcome.Coarse[name].Contains(fine.Parameters[name]));
            }
        }

        DirectoryInfo folder = Directory.CreateTempSubdirectory("netgen-search-");
        try
        {
            string csv = Path.Combine(folder.FullName, "trials.csv");
            results.WriteCsv(csv);
            SearchResults parsed = SearchResults.ReadCsv(csv);

            Assert.Equal(results.ParameterNames, parsed.ParameterNames);
            Assert.Equal(results.Select(t => t.Parameters.Values), parsed.Select(t => t.Parameters.Values));
            Assert.Equal(results.Select(t => t.ValidationAccuracy), parsed.Select(t => t.ValidationAccuracy));
            TrialResult best = parsed.BestTrial!;
            double worst = parsed.Where(t => t.Succeeded).Min(t => t.ValidationAccuracy);
            Assert.True(best.ValidationAccuracy > worst, $"best {best.ValidationAccuracy} does not beat worst {worst}");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
