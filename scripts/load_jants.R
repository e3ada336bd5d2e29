# Load every table of the jants data package in R, with the schema's types,
# using the rOpenSci frictionless package (dates as Date, numbers as double,
# closed vocabularies as factors).
#
#   Rscript scripts/load_jants.R [path/to/datapackage.json]
#
# Prints, as JSON, each table's row count and column classes.
suppressPackageStartupMessages(library(frictionless))

args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args) > 0) args[[1]] else "datapackage.json"
package <- read_package(path)

tabular <- Filter(function(r) !is.null(r$schema), package$resources)
tables <- list()
for (resource in tabular) {
  tables[[resource$name]] <- read_resource(package, resource$name)
}

summary <- lapply(tables, function(table) {
  list(rows = nrow(table), types = lapply(table, function(column) class(column)[1]))
})
cat(jsonlite::toJSON(summary, auto_unbox = TRUE), "\n")
