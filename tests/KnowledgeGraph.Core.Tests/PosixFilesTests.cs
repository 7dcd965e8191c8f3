using KnowledgeGraph.Inference;
using KnowledgeGraph.Storage;
using Xunit;

namespace KnowledgeGraph.Tests;

public sealed class PosixFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kg-posix-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Writes_a_new_file_refuses_an_existing_one_and_renames_over_a_target()
    {
        Assert.SkipUnless(PosixFiles.Supported, "Linux only");
        var temp = Path.Combine(_folder, "a.tmp");
        var target = Path.Combine(_folder, "a.json");
        File.WriteAllText(target, "old");
        var data = Enumerable.Range(0, 200_000).Select(i => (byte)(i % 251)).ToArray();   // more than one write may take
        PosixFiles.WriteNew(temp, data);
        Assert.Equal(data, File.ReadAllBytes(temp));
        Assert.Throws<IOException>(() => PosixFiles.WriteNew(temp, data));   // O_EXCL: never over an existing file
        PosixFiles.Rename(temp, target);
        Assert.Equal(data, File.ReadAllBytes(target));
        Assert.False(File.Exists(temp));
        Assert.Throws<IOException>(() => PosixFiles.WriteNew(Path.Combine(_folder, "missing", "b.tmp"), data));
    }

    [Fact]
    public async Task The_output_folder_replaces_files_and_leaves_no_temporary_file()
    {
        var output = new FolderInferenceOutput(_folder);
        await output.WriteAsync("labelled_passages/Q1/abcd2345/doc.json", "first"u8.ToArray(), CancellationToken.None);
        await output.WriteAsync("labelled_passages/Q1/abcd2345/doc.json", "second"u8.ToArray(), CancellationToken.None);
        Assert.Equal("second"u8.ToArray(), await output.ReadAsync("labelled_passages/Q1/abcd2345/doc.json", CancellationToken.None));
        Assert.Equal(["labelled_passages/Q1/abcd2345/doc.json"], Directory.EnumerateFiles(_folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_folder, f).Replace('\\', '/')));
    }
}
