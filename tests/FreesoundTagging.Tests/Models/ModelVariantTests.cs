using FreesoundTagging.Models;
using Xunit;

namespace FreesoundTagging.Tests.Models;

public class ModelVariantTests
{
    [Theory]
    [InlineData("cnn_1d")]
    [InlineData("cnn_1d_dropout")]
    [InlineData("cnn_1d_dense_dropout")]
    public void ParsesTheOriginalNames(string name) => Assert.Equal(name, ModelVariant.Parse(name).Name);

    [Theory]
    [InlineData("cnn_2d")]
    [InlineData("CNN_1D")]
    [InlineData("")]
    [InlineData(null)]
    public void UnknownNamesListTheValidOnes(string? name)
    {
        var e = Assert.Throws<InvalidInputException>(() => ModelVariant.Parse(name));
        Assert.Contains("cnn_1d, cnn_1d_dropout, cnn_1d_dense_dropout, cnn_2d_vgg, cnn_2d_vgg_narrow", e.Message);
        Assert.False(ModelVariant.TryParse(name, out _));
    }

    [Fact]
    public void FactoryRejectsUnknownVariantsBeforeTouchingLibtorch() =>
        Assert.Throws<InvalidInputException>(() => ModelVariant.Parse("resnet").Create( 64, 41));
}
