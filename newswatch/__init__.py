"""newswatch: the command-line interface that ties crawler, scheduler and database together."""
