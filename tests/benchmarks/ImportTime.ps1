#Requires -Version 7.6
<#
.SYNOPSIS
    How long Import-Module KnowledgeGraph takes in a fresh pwsh: median of -Runs processes.

.DESCRIPTION
    Each run starts a new pwsh (-NoProfile) that times only the Import-Module call with a stopwatch and prints it.
    Also shows the first call of a cmdlet (Get-KgEnvironment), which loads the rest of the code it needs.

    dotnet pwsh ./tests/benchmarks/ImportTime.ps1
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/KnowledgeGraph/KnowledgeGraph.psd1'),
    [string] $Configuration = 'Release',
    [int] $Runs = 15
)

$ErrorActionPreference = 'Stop'
$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
$manifest = (Resolve-Path $ModuleManifest).Path
$script = "`$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$manifest'; `$import = `$sw.Elapsed.TotalSeconds; `$null = Get-KgEnvironment; '{0} {1}' -f `$import, `$sw.Elapsed.TotalSeconds"
& $pwsh -NoProfile -NonInteractive -Command $script | Out-Null   # warm the disk cache
$results = foreach ($i in 1..$Runs) {
    $line = & $pwsh -NoProfile -NonInteractive -Command $script
    $import, $first = $line -split ' ' | ForEach-Object { [double]::Parse($_, [cultureinfo]::InvariantCulture) }
    [pscustomobject]@{ Import = $import; FirstCommand = $first }
}
$median = { param($xs) ($xs | Sort-Object)[[int][math]::Floor($xs.Count / 2)] }
'Import-Module KnowledgeGraph: median {0:F3} s (min {1:F3}, max {2:F3}) over {3} fresh pwsh processes' -f (& $median $results.Import), ($results.Import | Measure-Object -Minimum).Minimum, ($results.Import | Measure-Object -Maximum).Maximum, $Runs
'Import-Module plus the first Get-KgEnvironment: median {0:F3} s' -f (& $median $results.FirstCommand)
"machine: $([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription), .NET $([Environment]::Version), $(Get-Date -Format 'yyyy-MM-dd')"
