/** One model of a proposed change, for every producer (agent tools, editor commands, the chat's Apply, Generate Tests). */
export * from "./types";
export * from "./conflict";
export * from "./history";
export * from "./trust";
export * from "./store";
