using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using KnowledgeGraph.Encoders;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>Finding and installing encoder files, with a small made-up encoder whose files the test writes (the real
/// one's 91 MB are installed from its package in the transformer tests).</summary>
public sealed class EncoderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kg-encoder-test-").FullName;
    private readonly PretrainedEncoder _encoder;

    public EncoderTests()
    {
        _encoder = PretrainedEncoders.MiniLM with
        {
            Name = "tiny-encoder",
            Model = FileOf("model.onnx", "weights of a tiny encoder"),
            Vocabulary = FileOf("vocab.txt", "[PAD]\n[UNK]\nforest\n"),
        };
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static EncoderFile FileOf(string name, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        return new EncoderFile(name, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private string Source(string name, string model = "weights of a tiny encoder", string vocabulary = "[PAD]\n[UNK]\nforest\n")
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder, name)).FullName;
        File.WriteAllText(Path.Combine(folder, "model.onnx"), model);
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), vocabulary);
        return folder;
    }

    private string[] Entries(string root) => Directory.Exists(root) ? Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories) : [];

    [Fact]
    public void Installed_from_a_folder_the_encoder_is_found_in_its_own_folder_with_checked_files()
    {
        var root = Path.Combine(_folder, "encoders");
        var installed = EncoderInstaller.Install(_encoder, Source("files"), root, force: false);
        Assert.Equal(Path.Combine(root, "tiny-encoder"), installed.Folder);
        Assert.Equal("[PAD]\n[UNK]\nforest\n", File.ReadAllText(installed.VocabularyPath));
        var status = EncoderLocator.Inspect(_encoder, [Path.Combine(_folder, "elsewhere"), root]);
        Assert.Equal(EncoderStatus.Installed, status.State);
        Assert.Equal(installed.Folder, status.Folder);
        Assert.Equal("tiny-encoder", status.Name);
        Assert.Equal(installed.Folder, EncoderLocator.Locate(_encoder, [root]).Folder);
    }

    [Fact]
    public void A_source_with_other_files_installs_nothing_and_the_error_names_both_checksums()
    {
        var root = Path.Combine(_folder, "encoders");
        var e = Assert.Throws<KgException>(() => EncoderInstaller.Install(_encoder, Source("wrong", model: "other weights"), root, force: false));
        Assert.Equal("EncoderChecksumMismatch", e.ErrorId);
        Assert.Contains(_encoder.Model.Sha256, e.Message);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("other weights"))), e.Message);
        Assert.Contains("Nothing was installed", e.Message);
        Assert.False(Directory.Exists(root)); // no encoder folder, no staging folder, not even the root it made
    }

    [Fact]
    public void A_correct_installation_is_kept_unless_forced_and_a_failed_forced_one_keeps_it_too()
    {
        var root = Path.Combine(_folder, "encoders");
        var installed = EncoderInstaller.Install(_encoder, Source("files"), root, force: false);
        var written = File.GetLastWriteTimeUtc(installed.ModelPath);
        File.SetLastWriteTimeUtc(installed.ModelPath, written.AddHours(-1));
        EncoderInstaller.Install(_encoder, Path.Combine(_folder, "does-not-matter"), root, force: false);
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(installed.ModelPath)); // kept: the source was not even read

        Assert.Throws<KgException>(() => EncoderInstaller.Install(_encoder, Source("wrong", vocabulary: "x"), root, force: true));
        Assert.Null(EncoderLocator.Check(_encoder, installed.Folder));
        Assert.Equal(2, Entries(root).Length - 1); // the encoder's folder and its two files, nothing else

        EncoderInstaller.Install(_encoder, Source("files"), root, force: true);
        Assert.NotEqual(written.AddHours(-1), File.GetLastWriteTimeUtc(installed.ModelPath));
    }

    [Theory]
    [InlineData("missing.nupkg", "EncoderSourceNotFound")]
    [InlineData("weights.bin", "InvalidEncoderSource")]
    [InlineData("broken.nupkg", "InvalidEncoderSource")]
    [InlineData("empty.nupkg", "InvalidEncoderSource")]
    [InlineData("not-an-assembly.dll", "InvalidEncoderSource")]
    [InlineData("empty-folder", "InvalidEncoderSource")]
    public void A_source_that_is_not_the_package_its_assembly_or_a_folder_with_the_files_is_refused(string name, string errorId)
    {
        var path = Path.Combine(_folder, name);
        switch (name)
        {
            case "weights.bin" or "broken.nupkg" or "not-an-assembly.dll":
                File.WriteAllText(path, "not what it says");
                break;
            case "empty.nupkg":
                using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
                {
                    zip.CreateEntry("readme.txt");
                }
                break;
            case "empty-folder":
                Directory.CreateDirectory(path);
                break;
        }
        var root = Path.Combine(_folder, "encoders");
        var e = Assert.Throws<KgException>(() => EncoderInstaller.Install(_encoder, path, root, force: false));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Contains(path, e.Message);
        Assert.Contains(_encoder.PackageUrl, e.Message);
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public void A_missing_encoder_is_an_error_that_says_where_it_was_looked_for_and_how_to_install_it()
    {
        var searched = new[] { Path.Combine(_folder, "a"), Path.Combine(_folder, "b") };
        var e = Assert.Throws<KgException>(() => EncoderLocator.Locate(_encoder, searched));
        Assert.Equal("EncoderMissing", e.ErrorId);
        Assert.Equal(KgErrorKind.NotInstalled, e.Kind);
        Assert.All(searched, folder => Assert.Contains(folder, e.Message));
        Assert.Contains("Install-KgEncoder", e.Message);
        Assert.Contains(_encoder.PackageUrl, e.Message);
    }

    [Fact]
    public void A_damaged_encoder_is_an_error_and_never_passed_over_for_one_further_down_the_search_path()
    {
        var first = Path.Combine(_folder, "first");
        var second = Path.Combine(_folder, "second");
        var damaged = EncoderInstaller.Install(_encoder, Source("files"), first, force: false);
        EncoderInstaller.Install(_encoder, Source("files"), second, force: false);
        File.WriteAllText(damaged.VocabularyPath, "[PAD]\n[UNK]\nfores\n");
        var e = Assert.Throws<KgException>(() => EncoderLocator.Locate(_encoder, [first, second]));
        Assert.Equal("EncoderChecksumMismatch", e.ErrorId);
        Assert.Contains(damaged.VocabularyPath, e.Message);
        Assert.Contains("-Force", e.Message);
        Assert.Equal(EncoderStatus.ChecksumMismatch, EncoderLocator.Inspect(_encoder, [first, second]).State);
    }

    [Fact]
    public void The_search_path_is_the_variables_folders_then_the_modules_then_the_users()
    {
        var saved = Environment.GetEnvironmentVariable(EncoderLocator.PathVariable);
        try
        {
            Environment.SetEnvironmentVariable(EncoderLocator.PathVariable, $"{Path.Combine(_folder, "x")}{Path.PathSeparator} {Path.Combine(_folder, "y")} ");
            Assert.Equal([Path.Combine(_folder, "x"), Path.Combine(_folder, "y"), Path.Combine(_folder, "module", "encoders"), EncoderLocator.UserFolder],
                EncoderLocator.SearchPath(Path.Combine(_folder, "module")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(EncoderLocator.PathVariable, saved);
        }
    }
}
