using FreesoundTagging.Reporting;
using FreesoundTagging.Training;
using Xunit;
using FreesoundTagging.Metrics;

namespace FreesoundTagging.Tests.Metrics;

public class ClassReportTests
{
    // Four clips, four classes (d has no clips). Worked by hand:
    //   clip 0, true a: [.7 .2 .1 0] top-3 a b c -> top-1 a,   AP@3 1
    //   clip 1, true a: [.2 .5 .3 0] top-3 b c a -> top-1 b,   AP@3 1/3
    //   clip 2, true b: [.1 .6 .3 0] top-3 b c a -> top-1 b,   AP@3 1
    //   clip 3, true c: [.3 .6 .1 0] top-3 b a c -> top-1 b,   AP@3 1/3
    private static readonly float[] Scores = [.7f, .2f, .1f, 0, .2f, .5f, .3f, 0, .1f, .6f, .3f, 0, .3f, .6f, .1f, 0];
    private static readonly string[] Names = ["a", "b", "c", "d"];
    private static readonly int[] Truth = [0, 0, 1, 2];

    [Fact]
    public void PerClassMetricsMatchAHandWorkedCase()
    {
        var report = ClassReport.Compute(Scores, Names, Truth);
        var (a, b, c, d) = (report.Classes[0], report.Classes[1], report.Classes[2], report.Classes[3]);

        Assert.Equal((2, 0.5, "b", 1), (a.Support, a.Top1Accuracy, a.MostConfusedWith, a.ConfusedCount));
        Assert.Equal(2.0 / 3, a.Map3, 12);
        // Ranked by a's score: clip 0 (.7), clip 3 (.3), clip 1 (.2), clip 2 (.1); a's clips at ranks 1 and 3.
        Assert.Equal((1 + 2.0 / 3) / 2, a.AveragePrecision, 12);

        Assert.Equal((1, 1.0, 1.0, (string?)null), (b.Support, b.Top1Accuracy, b.Map3, b.MostConfusedWith));
        // Clips 2 and 3 tie at .6 for b: clip order breaks the tie, so clip 2 is first.
        Assert.Equal(1.0, b.AveragePrecision, 12);

        Assert.Equal((1, 0.0, "b"), (c.Support, c.Top1Accuracy, c.MostConfusedWith));
        Assert.Equal(1.0 / 3, c.Map3, 12);
        // Ranked by c's score: clip 1 (.3), clip 2 (.3), clip 0 (.1), clip 3 (.1): its clip is 4th.
        Assert.Equal(0.25, c.AveragePrecision, 12);

        Assert.Equal(0, d.Support);
        Assert.True(double.IsNaN(d.Top1Accuracy) && double.IsNaN(d.Map3) && double.IsNaN(d.AveragePrecision));

        Assert.Equal(new[,] { { 1, 1, 0, 0 }, { 0, 1, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 0, 0 } }, report.Confusion);
        Assert.Equal(2.0 / 3, report.Map3, 12);
        Assert.Equal(0.5, report.Accuracy, 12);
    }

    [Fact]
    public void TheTableHasOneRowPerClassAndEmptyCellsWithoutSupport()
    {
        var lines = ClassReportFiles.Table(ClassReport.Compute(Scores, Names, Truth)).TrimEnd().Split('\n');
        Assert.Equal("class,support,top1_accuracy,map3,average_precision,most_confused_with,confused_count", lines[0]);
        Assert.Equal("a,2,0.5000,0.6667,0.8333,b,1", lines[1]);
        Assert.Equal("d,0,,,,,0", lines[4]);
        Assert.Equal(5, lines.Length);
    }

    [Theory]
    [InlineData(5, new double[] { 1, 2, 3, 4, 5 })]
    [InlineData(15, new double[] { 1, 3, 5, 7, 9, 11, 13, 15 })]
    [InlineData(30, new double[] { 1, 5, 10, 15, 20, 25, 30 })]
    [InlineData(200, new double[] { 1, 25, 50, 75, 100, 125, 150, 175, 200 })]
    [InlineData(80, new double[] { 1, 10, 20, 30, 40, 50, 60, 70, 80 })]
    public void CurveTicksAreWholeEpochs(int epochs, double[] ticks) => Assert.Equal(ticks, TrainingCurvesPlot.EpochTicks(epochs));
}
