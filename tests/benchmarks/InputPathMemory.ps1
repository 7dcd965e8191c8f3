#Requires -Version 7.6
<#
.SYNOPSIS
    Peak memory of Invoke-KgClassifier -InputPath on JSONL files of 50, 100 and 200 MB (keyword classifier), each in a
    fresh pwsh. Prints the process's peak resident set (VmHWM) and the time.

.DESCRIPTION
    The passages are the real sentences of ../shared/data/corpus/gst-sentences.jsonl.gz (repeated, with new IDs, to
    reach each size; synthetic sentences when the shared data is missing). The classifier is the example concept Q9001
    that ships with the module. Every passage is written to the pipeline and counted, so output is consumed as it
    comes, as a script would.

    dotnet pwsh ./tests/benchmarks/InputPathMemory.ps1 [-SizesMB 50,100,200]
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/KnowledgeGraph/KnowledgeGraph.psd1'),
    [string] $Configuration = 'Release',
    [int[]] $SizesMB = @(50, 100, 200)
)

$ErrorActionPreference = 'Stop'
$manifest = (Resolve-Path $ModuleManifest).Path
$shared = if ($env:KG_SHARED_DATA) { $env:KG_SHARED_DATA } else { Join-Path $PSScriptRoot '../../../shared/data' }
$corpus = Join-Path $shared 'corpus/gst-sentences.jsonl.gz'
$sentences = if (Test-Path $corpus) {
    $gz = [IO.Compression.GZipStream]::new([IO.File]::OpenRead($corpus), [IO.Compression.CompressionMode]::Decompress)
    $reader = [IO.StreamReader]::new($gz)
    try { @(while ($null -ne ($line = $reader.ReadLine())) { ($line | ConvertFrom-Json).text }) } finally { $reader.Dispose() }
}
else {
    Write-Warning "$corpus is missing: using synthetic sentences."
    @(1..1000 | ForEach-Object { "Sentence $_ about river flooding, coastal defences and the risk of storm surge in the delta." })
}
$work = Join-Path ([IO.Path]::GetTempPath()) ('kg-bench-inputpath-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$concepts = Join-Path (Split-Path $manifest) 'examples/concepts'
try {
    foreach ($mb in $SizesMB) {
        $file = Join-Path $work "passages-$mb.jsonl"
        $writer = [IO.StreamWriter]::new($file, $false, [Text.UTF8Encoding]::new($false))
        $n = 0
        try {
            while ($writer.BaseStream.Length -lt $mb * 1MB) {
                foreach ($s in $sentences) {
                    $writer.Write('{"id":"p'); $writer.Write($n++); $writer.Write('","text":'); $writer.Write(($s | ConvertTo-Json -Compress)); $writer.Write("}`n")
                }
                $writer.Flush()
            }
        }
        finally { $writer.Dispose() }
        $script = @"
Import-Module '$manifest'
`$clock = [Diagnostics.Stopwatch]::StartNew()
`$count = 0
Invoke-KgClassifier Q9001 -ConceptPath '$concepts' -InputPath '$file' | ForEach-Object { `$count++ }
"`$count `$([math]::Round(`$clock.Elapsed.TotalSeconds, 1)) " + ((Get-Content /proc/self/status | Where-Object { `$_ -like 'VmHWM:*' }) -replace '\D', '')
"@
        $out = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script
        if ($LASTEXITCODE) { throw "the run on $mb MB failed" }
        $count, $seconds, $peakKb = ($out | Select-Object -Last 1) -split ' '
        [pscustomobject]@{ 'file (MB)' = [math]::Round((Get-Item $file).Length / 1MB); passages = [int]$count; seconds = [double]$seconds; 'peak RSS (MB)' = [math]::Round([long]$peakKb / 1KB) } |
            Format-Table -AutoSize | Out-Host
        Remove-Item $file
    }
}
finally { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
