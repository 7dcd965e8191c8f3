# The image's profile for all users and hosts ($PSHOME/profile.ps1): pwsh starts with the module imported.
Import-Module KnowledgeGraph
