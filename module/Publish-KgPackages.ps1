#Requires -Version 7.6
<#
.SYNOPSIS
    Publishes the built module as two PowerShell packages to a folder repository: KnowledgeGraph (the cmdlets, without
    the worker) and KnowledgeGraph.Worker (the training worker with libtorch: an optional, separate download).

.DESCRIPTION
    Used by build.ps1 Package and by the package test. PSResourceGet keeps its repository list in the user's data
    folder, so the registration happens in a child pwsh whose data folder ($env:XDG_DATA_HOME) is a throwaway one:
    nothing is registered for the user. Writes the .nupkg files to -Destination/repo and returns that folder.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleFolder,
    [Parameter(Mandatory)] [string] $WorkerManifest,
    [Parameter(Mandatory)] [string] $Destination
)

$ErrorActionPreference = 'Stop'
$stage = Join-Path $Destination 'stage'
$moduleStage = New-Item -ItemType Directory -Force (Join-Path $stage 'KnowledgeGraph')
Get-ChildItem $ModuleFolder -Exclude 'worker' | Copy-Item -Destination $moduleStage -Recurse
$workerStage = New-Item -ItemType Directory -Force (Join-Path $stage 'KnowledgeGraph.Worker')
Copy-Item $WorkerManifest $workerStage
Copy-Item (Join-Path $ModuleFolder 'worker') $workerStage -Recurse
$repo = New-Item -ItemType Directory -Force (Join-Path $Destination 'repo')
$data = New-Item -ItemType Directory -Force (Join-Path $Destination 'psresourceget-data')

$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
$command = "`$ErrorActionPreference = 'Stop'; Register-PSResourceRepository -Name KgPackages -Uri '$repo' -Trusted; " +
    "Publish-PSResource -Path '$moduleStage' -Repository KgPackages; Publish-PSResource -Path '$workerStage' -Repository KgPackages"
$saved = $env:XDG_DATA_HOME
try {
    $env:XDG_DATA_HOME = $data.FullName
    & $pwsh -NoProfile -NonInteractive -Command $command | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "Publishing the packages failed (exit code $LASTEXITCODE)." }
}
finally { $env:XDG_DATA_HOME = $saved }
Remove-Item $data, $stage -Recurse -Force
$repo.FullName
