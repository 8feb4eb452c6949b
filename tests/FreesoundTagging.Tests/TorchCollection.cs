using Xunit;

namespace FreesoundTagging.Tests;

/// <summary>Tests that touch libtorch run one at a time: they share its thread pool and global RNG.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "libtorch";
}
