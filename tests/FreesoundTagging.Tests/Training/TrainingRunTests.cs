using FreesoundTagging.Recipes;
using FreesoundTagging.Training;
using Xunit;

namespace FreesoundTagging.Tests.Training;

/// <summary>A run's identity (fold, member) beside the options it trains with.</summary>
public class TrainingRunTests
{
    [Fact]
    public void AFoldOrMemberOutsideTheRunIsRefused()
    {
        var folds = new TrainingOptions { Folds = 3 };
        Assert.Equal(["fold must be in [0, 3) (got 3)"], new TrainingRun("cnn_1d", Fold: 3).Problems(folds));
        Assert.Empty(new TrainingRun("cnn_1d", Fold: 2).Problems(folds));
        var members = new TrainingOptions { Members = 2 };
        Assert.Equal(["member must be in [0, 2) (got 2)"], new TrainingRun("cnn_1d", Member: 2).Problems(members));
        Assert.Empty(new TrainingRun("cnn_1d", Member: 1).Problems(members));
    }

    [Fact]
    public void MemberZeroIsTheRunItself()
    {
        Assert.Equal(41, TrainingRun.MemberSeed(41, 0));
        Assert.Equal(41 + 1_000_003, TrainingRun.MemberSeed(41, 1));
    }
}
