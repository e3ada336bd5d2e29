# Load every table of the jants data package in R with readr and jsonlite alone,
# applying the Table Schema types: dates as Date, numbers as double, closed
# vocabularies (enum) as factors with the schema's levels. For machines without
# the rOpenSci frictionless package; gives the same tables as load_jants.R.
#
#   Rscript scripts/load_jants_readr.R [path/to/datapackage.json]
#
# Prints, as JSON, each table's row count and column classes.
suppressPackageStartupMessages({
  library(readr)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args) > 0) args[[1]] else "datapackage.json"
descriptor <- fromJSON(path, simplifyVector = FALSE)
root <- dirname(path)

read_table <- function(resource) {
  fields <- resource$schema$fields
  spec <- lapply(fields, function(field) {
    switch(field$type,
      number = col_double(),
      integer = col_double(),
      date = col_date(format = "%Y-%m-%d"),
      col_character()
    )
  })
  names(spec) <- vapply(fields, function(field) field$name, "")
  table <- read_csv(file.path(root, resource$path), col_types = do.call(cols_only, spec),
                    na = "", progress = FALSE, locale = locale(encoding = "UTF-8"))
  for (field in fields) {
    levels <- field$constraints$enum
    if (!is.null(levels)) {
      table[[field$name]] <- factor(table[[field$name]], levels = unlist(levels))
    }
  }
  table
}

tabular <- Filter(function(r) !is.null(r$schema) && is.null(r$copyOf), descriptor$resources)
tables <- list()
for (resource in tabular) {
  tables[[resource$name]] <- read_table(resource)
}

summary <- lapply(tables, function(table) {
  list(rows = nrow(table), types = lapply(table, function(column) class(column)[1]))
})
cat(toJSON(summary, auto_unbox = TRUE), "\n")
