#Requires -Version 7.6
<#
.SYNOPSIS
    Inference at corpus scale: Invoke-KgInference with 20 keyword and 2 learned classifiers over the Global Stocktake
    corpus as parser-output documents. Prints passage-classifications per second end to end, rerun time, and memory
    against the number of documents.

.DESCRIPTION
    The documents are generated here (not committed) by tests/KnowledgeGraph.Benchmarks inference-data from
    ../shared/data/corpus/gst-sentences.jsonl.gz: sentences grouped by document_id, one text block per sentence. The 20
    keyword classifiers are Q787, the 6 concepts of the keyword-conformance set and 13 topic concepts written for the
    benchmark; the 2 learned ones are a SpanTagger trained on Q787 and a PassageClassifier trained on the module's
    example concept (Q787 has no negative passages to learn from). All are trained and promoted
    in sandbox of a throwaway home, with the embedded store; results go to fresh output folders on the same disk.

    Figures:
    - matching alone (the reference): the 20 keyword classifiers over the same passages in a plain .NET process, no I/O,
      each over every passage, then as the run matches them (KeywordScreen, then each on its candidates);
    - end to end: Invoke-KgInference in this pwsh (module imported, one warm-up run first), keyword spec, default
      -ThrottleLimit (1) and -ThrottleLimit 2, median of -Runs runs, each into a fresh output folder: passages x
      classifiers / wall time, every file written included;
    - rerun: the same command again over the finished output folder (everything is up to date), against the first run;
    - the file system's floor: the last run's files written again into a fresh folder by a plain .NET loop (temporary
      file and rename, one thread, nothing else), and by the module's writer. Where -WorkFolder is decides it: on this
      project's VM a C program took 18-34 us a file on tmpfs (/dev/shm) and 26-407 us on the ext4 disk, varying by the minute;
    - all 22 classifiers (keyword + learned) once, and its rerun;
    - memory: peak working set of a fresh pwsh running the keyword spec over 1x, 2x and 4x the documents.

    dotnet pwsh ./tests/benchmarks/Inference.ps1
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/KnowledgeGraph/KnowledgeGraph.psd1'),
    [string] $Configuration = 'Release',
    [string] $SharedData = (Join-Path $PSScriptRoot '../../../shared/data'),
    [int] $Runs = 3,
    # Skip the learned classifiers (training them takes about a minute, running them over 50,256 passages longer).
    [switch] $KeywordOnly,
    [string] $WorkFolder = (Join-Path ([IO.Path]::GetTempPath()) ('kg-inference-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8)))
)

$ErrorActionPreference = 'Stop'
if (-not (Test-Path (Join-Path $SharedData 'corpus/gst-sentences.jsonl.gz'))) { throw "The shared data is missing: $SharedData" }
$ModuleManifest = (Resolve-Path $ModuleManifest).Path
$project = Join-Path $PSScriptRoot '../KnowledgeGraph.Benchmarks'
New-Item -ItemType Directory $WorkFolder -Force | Out-Null

& dotnet build $project -c $Configuration --nologo -v quiet | Out-Null
if ($LASTEXITCODE) { throw "Building the benchmark project failed ($LASTEXITCODE)." }
$bench = Join-Path $project "bin/$Configuration/net10.0/KnowledgeGraph.Benchmarks.dll"
foreach ($copies in 1, 2, 4) {
    & dotnet $bench inference-data --data $SharedData --out $WorkFolder --copies $copies
    if ($LASTEXITCODE) { throw "Generating the documents failed ($LASTEXITCODE)." }
}
"work folder: $WorkFolder, file system $(& stat -f -c %T $WorkFolder 2>$null)"
"load average at the start: $((Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 3)"
$documents = Join-Path $WorkFolder 'documents'
$concepts = Join-Path $WorkFolder 'concepts'
& dotnet $bench inference-matching --concepts $concepts --documents $documents --runs $Runs
if ($LASTEXITCODE) { throw "The matching reference failed ($LASTEXITCODE)." }

$env:KG_HOME = Join-Path $WorkFolder 'home'
$env:KG_CONCEPT_PATH = $concepts
Import-Module $ModuleManifest
$ids = Get-ChildItem $concepts -Filter 'Q*.json' | ForEach-Object BaseName
$ids | Invoke-KgTraining -Environment sandbox -NoEvaluate | Publish-KgClassifier -AddClassifiersProfile primary | Out-Null
$keywordSpecs = Join-Path $WorkFolder 'specs-keyword'
New-Item -ItemType Directory (Join-Path $keywordSpecs 'v2') -Force | Out-Null
Update-KgInferenceSpec sandbox -Path $keywordSpecs

function Measure-Inference([string] $Specs, [string] $Output, [string] $Documents = $documents, [hashtable] $Extra = @{}) {
    $self = Get-Process -Id $PID
    $cpu = $self.TotalProcessorTime
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $all = Invoke-KgInference -Environment sandbox -DocumentPath $Documents -SpecPath $Specs -OutputPath $Output @Extra -Verbose 4>&1
    $sw.Stop()
    $self.Refresh()
    $rows = @($all | Where-Object { $_ -is [KnowledgeGraph.Inference.InferenceClassifierRun] })
    $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
    $runner = $verbose | Where-Object { $_ -match ' files written to .* in ([0-9.]+) s\.$' } | ForEach-Object { [double]$Matches[1] } | Select-Object -First 1
    $classifications = ($rows | Measure-Object -Property Passages -Sum).Sum
    [pscustomobject]@{
        Seconds         = $sw.Elapsed.TotalSeconds
        CpuSeconds      = ($self.TotalProcessorTime - $cpu).TotalSeconds
        Classifications = $classifications
        PerSecond       = $classifications / $sw.Elapsed.TotalSeconds
        Files           = ($rows | Measure-Object -Property Documents -Sum).Sum
        UpToDate        = ($rows | Measure-Object -Property UpToDate -Sum).Sum
        # The runner's own wall time (the rest is the command: the spec, the store, loading the classifiers), and its
        # thread time per phase.
        RunnerSeconds   = $runner
        Phases          = ($verbose | Where-Object { $_ -like 'Thread time per phase:*' } | Select-Object -First 1) -replace '^Thread time per phase: ', ''
    }
}

function Write-Figures([string] $Name, [object[]] $Measured) {
    $rates = @($Measured.PerSecond | Sort-Object)
    $seconds = @($Measured.Seconds | Sort-Object)
    $cpu = @($Measured.CpuSeconds | Sort-Object)
    $median = [int][Math]::Floor($rates.Count / 2)
    '{0}: median {1:N0} passage-classifications/s (min {2:N0}, max {3:N0}); median {4:N2} s wall and {5:N2} s CPU of this process for {6:N0} classifications, {7:N0} labelled-passages files' -f $Name,
        $rates[$median], $rates[0], $rates[-1], $seconds[$median], $cpu[$median], $Measured[0].Classifications, $Measured[0].Files
    $m = @($Measured | Sort-Object Seconds)[$median]
    '  breakdown of the median run: {0:N3} s wall, of which {1:N3} s in the runner (the rest: the command, the spec, loading); thread time per phase: {2}' -f $m.Seconds, $m.RunnerSeconds, $m.Phases
}

$run = 0
# A fresh output folder per run; the one before is removed first (except the last measured run's, which the reruns
# use), so that every run meets a file system equally full: on tmpfs, creating files slows down as it fills.
function New-Output {
    if ($script:run -gt 0 -and $script:run -ne $script:keep) { Remove-Item (Join-Path $WorkFolder "out-$script:run") -Recurse -Force -ErrorAction Ignore }
    $script:run++
    Join-Path $WorkFolder "out-$script:run"
}
$keep = 0

$warm = Measure-Inference $keywordSpecs (New-Output)   # warm-up: JIT, regex compilation, first loads
Write-Figures 'first run in the session (JIT, patterns compiled), 20 keyword classifiers, -ThrottleLimit 1' @($warm)
foreach ($throttle in 1, 2) {
    $measured = foreach ($i in 1..$Runs) { Measure-Inference $keywordSpecs (New-Output) -Extra @{ ThrottleLimit = $throttle } }
    Write-Figures "end to end, 20 keyword classifiers, -ThrottleLimit $throttle" $measured
    $last = Join-Path $WorkFolder "out-$run"
    $keep = $run
    $reruns = foreach ($i in 1..$Runs) { Measure-Inference $keywordSpecs $last -Extra @{ ThrottleLimit = $throttle } }
    $rerun = @($reruns.Seconds | Sort-Object)[[int][Math]::Floor($Runs / 2)]
    $first = @($measured.Seconds | Sort-Object)[[int][Math]::Floor($Runs / 2)]
    'rerun, everything up to date, -ThrottleLimit {0}: median {1:N3} s = {2:P1} of the first run ({3:N0} pairs up to date, {4} files classified)' -f $throttle, $rerun, ($rerun / $first), $reruns[0].UpToDate, $reruns[0].Files
    $m = @($reruns | Sort-Object Seconds)[[int][Math]::Floor($Runs / 2)]
    '  breakdown of the median rerun: {0:N3} s in the runner; thread time per phase: {1}' -f $m.RunnerSeconds, $m.Phases
    "load average now: $((Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 3)"
}

# The floor: the last run's files written again on the same file system, by a plain .NET loop and by the module's writer.
& dotnet $bench inference-files --from (Join-Path $WorkFolder "out-$run") --to (Join-Path $WorkFolder 'files') --runs $Runs
if ($LASTEXITCODE) { throw "The file-writing reference failed ($LASTEXITCODE)." }
Remove-Item (Join-Path $WorkFolder 'files') -Recurse -Force

if (-not $KeywordOnly) {
    # The learned models' speed does not depend on how long they trained: a few epochs suffice here. Q787 has no
    # negative passages for a passage classifier, so that one learns the module's example concept.
    $tagger = Invoke-KgTraining Q787 -Environment sandbox -ClassifierType SpanTagger -Device Cpu -MaxEpochs 3
    $tagger | Publish-KgClassifier -AddClassifiersProfile experimental | Out-Null
    $examples = Join-Path (Split-Path $ModuleManifest) 'examples/concepts'
    $passage = Invoke-KgTraining Q9001 -Environment sandbox -ConceptPath $examples -ClassifierType PassageClassifier -Device Cpu -MaxEpochs 3
    $passage | Publish-KgClassifier -AddClassifiersProfile primary | Out-Null
    $allSpecs = Join-Path $WorkFolder 'specs-all'
    New-Item -ItemType Directory (Join-Path $allSpecs 'v2') -Force | Out-Null
    Update-KgInferenceSpec sandbox -Path $allSpecs
    $output = New-Output
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $rows = Invoke-KgInference -Environment sandbox -DocumentPath $documents -SpecPath $allSpecs -OutputPath $output -ThrottleLimit 2
    $sw.Stop()
    foreach ($r in $rows | Where-Object ClassifierName -ne 'KeywordClassifier') {
        '{0} {1} ({2}, {3}): {4:N0} passages, {5:N0} positive' -f $r.WikibaseId, $r.ClassifierId, $r.ClassifierName, $r.Device, $r.Passages, $r.PositivePassages
    }
    $all = ($rows | Measure-Object -Property Passages -Sum).Sum
    '22 classifiers (20 keyword + 2 learned), -ThrottleLimit 2: {0:N1} s for {1:N0} passage-classifications ({2:N0}/s)' -f $sw.Elapsed.TotalSeconds, $all, ($all / $sw.Elapsed.TotalSeconds)
    $again = Measure-Inference $allSpecs $output -Extra @{ ThrottleLimit = 2 }
    'rerun of the 22, everything up to date: {0:N3} s = {1:P2} of the first run' -f $again.Seconds, ($again.Seconds / $sw.Elapsed.TotalSeconds)
}

# On the single-node Slurm cluster and the S3 test server, when they run (build.ps1 Test starts them; this script alone
# does not): the same 996 documents and 20 keyword classifiers into an S3 store, here and as an array of N chunks.
if ($env:KG_TEST_SLURM_CONF -and $env:KG_TEST_S3_ENDPOINT) {
    . (Join-Path $PSScriptRoot '../tools/New-TestBucket.ps1')
    $bucket = New-TestBucket
    Set-KgEnvironment -Store "s3://$bucket/{name}" -EndpointUrl $env:KG_TEST_S3_ENDPOINT -ProfileName $(if ($env:KG_TEST_S3_PROFILE) { $env:KG_TEST_S3_PROFILE } else { 'kgtest' })
    $ids | Invoke-KgTraining -Environment sandbox -NoEvaluate | Publish-KgClassifier -AddClassifiersProfile primary | Out-Null
    $s3Specs = Join-Path $WorkFolder 'specs-s3'
    New-Item -ItemType Directory (Join-Path $s3Specs 'v2') -Force | Out-Null
    Update-KgInferenceSpec sandbox -Path $s3Specs
    "load average before the S3 runs: $((Get-Content /proc/loadavg) -split ' ' | Select-Object -First 3)"
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $rows = Invoke-KgInference -Environment sandbox -DocumentPath $documents -SpecPath $s3Specs -ThrottleLimit 2
    $sw.Stop()
    'S3 store, here, -ThrottleLimit 2: {0:N1} s for {1:N0} passage-classifications' -f $sw.Elapsed.TotalSeconds, ($rows | Measure-Object -Property Passages -Sum).Sum
    foreach ($chunks in 2, 4) {
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        $rows = Invoke-KgInference -Environment sandbox -DocumentPath $documents -SpecPath $s3Specs -ThrottleLimit 2 -Force -Scheduler Slurm -ChunkCount $chunks | Receive-Job -Wait
        $sw.Stop()
        'S3 store, Slurm array of {0} chunks (submission to the last result, -Force): {1:N1} s for {2:N0} passage-classifications' -f $chunks, $sw.Elapsed.TotalSeconds, ($rows | Measure-Object -Property Passages -Sum).Sum
    }
    "load average after the S3 runs: $((Get-Content /proc/loadavg) -split ' ' | Select-Object -First 3)"
}

# Memory: a fresh pwsh per size, so that each peak is its own.
$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
foreach ($copies in 1, 2, 4) {
    $folder = $copies -eq 1 ? $documents : (Join-Path $WorkFolder "documents-x$copies")
    $count = @(Get-ChildItem $folder -Filter *.json).Count
    $script = @"
Import-Module '$ModuleManifest'
`$rows = Invoke-KgInference -Environment sandbox -DocumentPath '$folder' -SpecPath '$keywordSpecs' -OutputPath '$(New-Output)' -ThrottleLimit 2
`$p = Get-Process -Id `$PID
'{0} {1} {2} {3}' -f `$p.PeakWorkingSet64, [GC]::GetGCMemoryInfo().PauseTimePercentage, ((`$rows | Measure-Object -Property Passages -Sum).Sum), [GC]::GetTotalMemory(`$true)
"@
    $out = & $pwsh -NoProfile -NonInteractive -Command $script
    if ($LASTEXITCODE) { throw "The memory run over $count documents failed." }
    $peak, $pause, $classified, $live = "$out".Trim() -split ' '
    'memory, {0:N0} documents ({1:N0} passage-classifications): peak working set {2:N0} MB; managed heap still in use after the run (full GC) {3:N0} MB' -f $count, [long]$classified, ([long]$peak / 1MB), ([long]$live / 1MB)
}
"machine: $([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription), .NET $([Environment]::Version), $(Get-Date -Format 'yyyy-MM-dd HH:mm'), load average at the end: $((Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 3)"
Remove-Item $WorkFolder -Recurse -Force
